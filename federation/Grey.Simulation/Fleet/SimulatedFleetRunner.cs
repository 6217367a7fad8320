namespace Grey.Simulation.Fleet;

/// <summary>
/// <c>greyctl sim fleet --broker sim</c>: runs the fleet inside the deterministic simulator (<see cref="SimulatedFleet"/>).
/// The run is synchronous and single-threaded; the task completes when it is done.
/// </summary>
internal sealed class SimulatedFleetRunner(FleetSabotage sabotage = FleetSabotage.None) : IFleetRunner
{
    /// <summary>The last run's details (trace hash, events, times), for replay checks and benchmarks.</summary>
    public FleetRunResult? LastRun { get; private set; }

    public Task<FleetReport> RunAsync(FleetOptions options, TextWriter progress, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        TimeSpan cpuBefore = ProcessCpu.Now();
        using var fleet = new SimulatedFleet(options, sabotage);
        FleetRunResult result = fleet.Run(progress, token);
        TimeSpan cpu = ProcessCpu.Now() - cpuBefore;
        LastRun = result;
        foreach (string note in result.Notes)
        {
            progress.WriteLine($"  note: {note}");
        }

        progress.WriteLine($"  sim: {result.Events} events, {result.VirtualTime.TotalSeconds:0.0}s virtual in {result.WallTime.TotalSeconds:0.00}s, trace {result.TraceHash:x16}; " +
                           $"{result.Outbox.DeltasShipped} deltas, {result.Outbox.CheckpointsShipped} checkpoints, {result.Outbox.Resends} resends, {result.Outbox.Naks} naks; " +
                           $"merge lag p50 {result.Lag.P50Ms:0}ms p99 {result.Lag.P99Ms:0}ms max {result.Lag.MaxMs:0}ms (virtual); process CPU {cpu.TotalSeconds:0.0}s, " +
                           $"region turns and gossip CPU {string.Join(", ", result.RegionCpu.Select(p => $"{p.Key} {p.Value.TotalSeconds:0.0}s"))}");
        return Task.FromResult(result.Report);
    }
}
