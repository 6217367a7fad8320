namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// What one closed-loop load run measured: completed writes and their latencies, failed writes, the wall
/// time, and the CPU time this process (the client) spent meanwhile, to show whether the client could
/// have been the bottleneck.
/// </summary>
internal sealed record LoadResult(long Completed, long Errors, LatencyStats Latency, TimeSpan Wall, TimeSpan ClientCpu, string? FirstError)
{
    public double WritesPerSecond => Wall > TimeSpan.Zero ? Completed / Wall.TotalSeconds : 0;

    /// <summary>Client CPU time over wall time: 1.0 is one core busy all the time.</summary>
    public double ClientCores => Wall > TimeSpan.Zero ? ClientCpu.TotalSeconds / Wall.TotalSeconds : 0;
}
