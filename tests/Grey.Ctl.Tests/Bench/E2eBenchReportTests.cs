using System.Text.Json;
using Grey.Ctl.Bench;
using Grey.Ctl.Commands;

namespace Grey.Ctl.Tests.Bench;

public sealed class E2eBenchReportTests
{
    internal static E2eBenchReport Sample(double jetStream = 40_000, long ops = 120_000, double seconds = 1.5) => new()
    {
        Sites = 8,
        DurationSeconds = 10,
        JetStreamMsgsPerSecond = jetStream,
        JetStreamBytesPerMessage = 300,
        JetStreamCpuMicrosPerMessage = 30,
        PipelineCpuMicrosPerOp = 20,
        FillOpsPerSecond = 9000,
        PipelineOps = ops,
        PipelineSeconds = seconds,
        PipelineDeltas = 40,
        BytesPerOp = 700.25,
        SentBytesPerOp = 350.5,
        DeltaWireBytesPerOp = 340.125,
        E2eOpsPerSecond = 8000,
        E2eMaxP50Ms = 40,
        E2eMaxP99Ms = 90,
        ProcessCores = 1.7,
        ClientCeilingOpsPerSecond = 2_000_000,
        HalfOfferedOpsPerSecond = 4000,
        HalfOpsPerSecond = 3990,
        P50Ms = 20.1234,
        P99Ms = 60,
        HalfCommitP99Ms = 12,
        HalfWrites = 39900,
        HalfMergedWrites = 39900,
    };

    [Fact]
    public void Ratio_IsPipelineOverJetStream()
    {
        E2eBenchReport report = Sample(jetStream: 40_000, ops: 120_000, seconds: 1.5);

        Assert.Equal(80_000, report.PipelineOpsPerSecond, 6);
        Assert.Equal(2.0, report.Ratio, 6);
    }

    [Fact]
    public void CpuRatio_IsRawCpuPerMessageOverPipelineCpuPerOp() => Assert.Equal(1.5, Sample().CpuRatio, 6);

    [Fact]
    public void Ratio_NoJetStreamFigure_IsZeroNotInfinite() => Assert.Equal(0, Sample(jetStream: 0).Ratio);

    [Fact]
    public void ToJson_EveryKeyOfTheIssue_NumbersAndIntegerCounts()
    {
        using JsonDocument json = JsonDocument.Parse(BenchE2eCommand.ToJson(Sample()));
        JsonElement root = json.RootElement;

        foreach (string key in new[] { "jetstream_msgs_per_s", "pipeline_ops_per_s", "ratio", "e2e_ops_per_s", "p50_ms", "p99_ms", "bytes_per_op" })
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(key).ValueKind);
        }

        Assert.Equal(2.0, root.GetProperty("ratio").GetDouble(), 6);
        Assert.Equal(20.123, root.GetProperty("p50_ms").GetDouble(), 6);
        Assert.True(root.GetProperty("pipeline_ops").TryGetInt64(out long ops));
        Assert.Equal(120_000, ops);
        Assert.Equal(Sample().Fields().Count, root.EnumerateObject().Count());
    }

    [Fact]
    public void ToJson_NotFinite_WritesNull()
    {
        using JsonDocument json = JsonDocument.Parse(BenchE2eCommand.ToJson(Sample() with { P99Ms = double.NaN }));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("p99_ms").ValueKind);
    }
}
