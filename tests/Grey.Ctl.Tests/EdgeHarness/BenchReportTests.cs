using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Tests.EdgeHarness;

public sealed class BenchReportTests
{
    private static LoadResult Load(long completed, params long[] latencyMs) =>
        new(completed, 0, LatencyStats.FromTicks(latencyMs, 1000), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), null);

    [Fact]
    public void JsonFields_WithEtcd_ExactKeysAndRatios()
    {
        var report = new BenchReport(new BenchOptions(), Load(1), Load(40_000, 2, 4), Load(5_000, 1), Load(10_000, 8, 9), Load(4_000, 2))
        {
            GreyManyHttp1 = Load(30_000, 3),
            GreySingleHttp1 = Load(5_000, 7),
        };
        var fields = report.JsonFields().ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal(
            ["grey.writes_per_s", "grey.p50_ms", "grey.p99_ms", "etcd.writes_per_s", "etcd.p50_ms", "etcd.p99_ms",
             "ratio.throughput", "single.grey.p50_ms", "single.etcd.p50_ms", "ratio.single_p50",
             "grey_http1.writes_per_s", "grey_http1.p50_ms", "single.grey_http1.p50_ms"],
            report.JsonFields().Select(f => f.Key));
        Assert.Equal(3000, fields["grey_http1.writes_per_s"]);
        Assert.Equal(3, fields["grey_http1.p50_ms"]);
        Assert.Equal(7, fields["single.grey_http1.p50_ms"]);
        Assert.Equal(4000, fields["grey.writes_per_s"]);
        Assert.Equal(2, fields["grey.p50_ms"]);
        Assert.Equal(4, fields["grey.p99_ms"]);
        Assert.Equal(1000, fields["etcd.writes_per_s"]);
        Assert.Equal(4.0, fields["ratio.throughput"]);
        Assert.Equal(0.5, fields["ratio.single_p50"]);
    }

    [Fact]
    public void JsonFields_WithoutEtcd_EtcdFieldsAreNull()
    {
        var report = new BenchReport(new BenchOptions(), Load(1), Load(10, 2), Load(10, 1), null, null);
        var fields = report.JsonFields().ToDictionary(f => f.Key, f => f.Value);
        Assert.Null(fields["etcd.writes_per_s"]);
        Assert.Null(fields["ratio.throughput"]);
        Assert.Null(fields["single.etcd.p50_ms"]);
        Assert.Null(fields["ratio.single_p50"]);
        Assert.Null(fields["grey_http1.writes_per_s"]);
        Assert.Null(fields["single.grey_http1.p50_ms"]);
        Assert.Equal(1, fields["grey.writes_per_s"]);
    }
}
