namespace Grey.Ctl.EdgeHarness;

/// <summary>What <c>greyctl bench edge</c> measured; the etcd parts are null without <c>--vs-etcd</c>.</summary>
internal sealed record BenchReport(
    BenchOptions Options,
    LoadResult Ceiling,
    LoadResult Grey,
    LoadResult GreySingle,
    LoadResult? Etcd,
    LoadResult? EtcdSingle)
{
    /// <summary>The concurrent clients over HTTP/1.1, a connection each (the headline phases use HTTP/2).</summary>
    public LoadResult? GreyManyHttp1 { get; init; }

    /// <summary>The single client over HTTP/1.1.</summary>
    public LoadResult? GreySingleHttp1 { get; init; }

    /// <summary>The keys and values of the JSON object, in the order the issue lists them, then the other protocol's (null: not measured).</summary>
    public IReadOnlyList<(string Key, double? Value)> JsonFields()
    {
        return
        [
            ("grey.writes_per_s", Grey.WritesPerSecond),
            ("grey.p50_ms", Grey.Latency.P50Ms),
            ("grey.p99_ms", Grey.Latency.P99Ms),
            ("etcd.writes_per_s", Etcd?.WritesPerSecond),
            ("etcd.p50_ms", Etcd?.Latency.P50Ms),
            ("etcd.p99_ms", Etcd?.Latency.P99Ms),
            ("ratio.throughput", Etcd is { WritesPerSecond: > 0 } e ? Grey.WritesPerSecond / e.WritesPerSecond : null),
            ("single.grey.p50_ms", GreySingle.Latency.P50Ms),
            ("single.etcd.p50_ms", EtcdSingle?.Latency.P50Ms),
            ("ratio.single_p50", EtcdSingle is { Latency.Count: > 0 } s ? GreySingle.Latency.P50Ms / s.Latency.P50Ms : null),
            ("grey_http1.writes_per_s", GreyManyHttp1?.WritesPerSecond),
            ("grey_http1.p50_ms", GreyManyHttp1?.Latency.P50Ms),
            ("single.grey_http1.p50_ms", GreySingleHttp1?.Latency.P50Ms),
        ];
    }
}
