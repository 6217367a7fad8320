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

    /// <summary>Client CPU time per completed write, in microseconds: what driving one write cost the client.</summary>
    public double ClientCpuMicrosPerWrite => Completed > 0 ? ClientCpu.TotalMicroseconds / Completed : 0;

    /// <summary>CPU time the servers under test (every node process) spent during the measured window.</summary>
    public TimeSpan ServerCpu { get; init; }

    /// <summary>Server CPU time over wall time, in cores.</summary>
    public double ServerCores => Wall > TimeSpan.Zero ? ServerCpu.TotalSeconds / Wall.TotalSeconds : 0;

    /// <summary>
    /// Server CPU time per completed write, in microseconds: what a write costs the whole group, whatever else
    /// runs on the machine (a loaded machine lowers the rate but hardly the cost per write).
    /// </summary>
    public double ServerCpuMicrosPerWrite => Completed > 0 ? ServerCpu.TotalMicroseconds / Completed : 0;
}
