using System.Text.Json;
using Xunit.Abstractions;

namespace Grey.Ctl.Tests.Bench;

/// <summary>
/// <c>greyctl bench e2e</c> end to end: a short real run (nats-server started by the bench, the region and two
/// 3-node sites in process) whose JSON carries every figure with a sane value, and bad arguments refused with 2.
/// </summary>
[Collection(BenchE2eCollection.Name)]
public sealed class BenchE2eCommandTests(ITestOutputHelper output)
{
    private static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.Run(["bench", "e2e", .. args], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("--sites", "0", "--sites must be between")]
    [InlineData("--sites", "65", "--sites must be between")]
    [InlineData("--sites", "many", "many")]
    [InlineData("--duration", "500ms", "--duration must be between")]
    [InlineData("--duration", "2h", "--duration must be between")]
    [InlineData("--duration", "20", "has no unit")]
    [InlineData("--nats", "http://127.0.0.1:4222", "--nats must be a nats://HOST:PORT URL")]
    [InlineData("--nats", "nats://127.0.0.1", "--nats must be a nats://HOST:PORT URL")]
    [InlineData("--bogus", "1", "--bogus")]
    public void Run_BadArgument_ExitsTwoWithMessage(string option, string value, string message)
    {
        (int exit, string stdout, string error) = Run(option, value);
        Assert.Equal(2, exit);
        Assert.Contains(message, error);
        Assert.Empty(stdout);
    }

    [Fact]
    public void Run_SeveralBadArguments_ReportsAllAtOnce()
    {
        (int exit, _, string error) = Run("--sites", "0", "--duration", "500ms", "--nats", "x");
        Assert.Equal(2, exit);
        Assert.Contains("--sites", error);
        Assert.Contains("--duration", error);
        Assert.Contains("--nats", error);
    }

    [Fact]
    public void Run_TwoSitesThreeSeconds_JsonHasEveryFigureWithSaneValues()
    {
        (int exit, string stdout, string error) = Run("--sites", "2", "--duration", "3s", "--json");
        output.WriteLine(error);
        output.WriteLine(stdout);
        Assert.True(exit == 0, error);

        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement root = json.RootElement;
        double Number(string key)
        {
            Assert.True(root.TryGetProperty(key, out JsonElement value), $"missing {key}");
            Assert.Equal(JsonValueKind.Number, value.ValueKind);
            return value.GetDouble();
        }

        double jetstream = Number("jetstream_msgs_per_s");
        double pipeline = Number("pipeline_ops_per_s");
        double ratio = Number("ratio");
        double e2e = Number("e2e_ops_per_s");
        double p50 = Number("p50_ms");
        double p99 = Number("p99_ms");
        double bytesPerOp = Number("bytes_per_op");
        Assert.True(jetstream > 0, "raw JetStream stored nothing");
        Assert.True(pipeline > 0, "the pipeline merged nothing");
        Assert.True(e2e > 0, "nothing reached the region end to end");
        Assert.InRange(ratio, pipeline / jetstream * 0.999 - 0.001, pipeline / jetstream * 1.001 + 0.001);
        Assert.True(p50 >= 0 && p50 <= p99, $"p50 {p50} p99 {p99}");

        // A 256-byte value cannot cross for less than its own size once compressed random data is counted
        // (published by the site, delivered to the region), nor need more than a few kilobytes.
        Assert.InRange(bytesPerOp, 256, 8192);
        Assert.Equal(2, root.GetProperty("sites").GetInt32());

        // The bench started nats-server itself, so both CPU figures include it.
        Assert.True(Number("jetstream_cpu_us_per_msg") > 0);
        Assert.True(Number("pipeline_cpu_us_per_op") > 0);
        Assert.True(Number("cpu_ratio") > 0);
        Assert.True(root.GetProperty("pipeline_ops").GetInt64() > 0);
        Assert.True(root.GetProperty("pipeline_deltas").GetInt64() > 0);

        // Nothing lost at half load: every committed write was seen merged.
        Assert.Equal(root.GetProperty("half_writes").GetInt64(), root.GetProperty("half_merged_writes").GetInt64());
        Assert.True(Number("client_ceiling_ops_per_s") > e2e, "the client loop alone must be faster than the system under it");
    }
}
