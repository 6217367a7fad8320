namespace Grey.Simulation.Fleet;

/// <summary>
/// Runs one fleet (sites, regions, workload, chaos) for <see cref="FleetOptions.Duration"/>, drains, verifies and
/// reports. The simulated runner (SimulatedFleetRunner) and greyctl's real-broker runner both implement
/// it, so <c>greyctl sim fleet</c> treats them alike. A failed check is a report whose <see cref="FleetReport.Passed"/>
/// is false, never an exception; options that cannot run (not validated, a broker the runner does not drive) throw.
/// </summary>
internal interface IFleetRunner
{
    /// <summary>Runs the fleet; <paramref name="progress"/> receives human-readable progress lines.</summary>
    Task<FleetReport> RunAsync(FleetOptions options, TextWriter progress, CancellationToken token);
}
