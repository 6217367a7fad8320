namespace Grey.Simulation.Fleet;

/// <summary>A simulated fleet run: the report plus what replay and benchmarks need (trace hash, events, time).</summary>
internal sealed record FleetRunResult(
    FleetReport Report,
    ulong TraceHash,
    long Events,
    TimeSpan WallTime,
    TimeSpan VirtualTime,
    OutboxCounters Outbox,
    IReadOnlyList<string> Notes);
