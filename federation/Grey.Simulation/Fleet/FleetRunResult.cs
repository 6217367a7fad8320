namespace Grey.Simulation.Fleet;

/// <summary>A simulated fleet run: the report plus what replay and benchmarks need (trace hash, events, time).</summary>
internal sealed record FleetRunResult(
    FleetReport Report,
    ulong TraceHash,
    long Events,
    TimeSpan WallTime,
    TimeSpan VirtualTime,
    OutboxCounters Outbox,
    IReadOnlyList<string> Notes,
    MergeLag Lag,
    IReadOnlyDictionary<string, TimeSpan> RegionCpu);

/// <summary>Commit-to-merged lag at the home region over every committed entry, in milliseconds of virtual time.</summary>
internal readonly record struct MergeLag(double P50Ms, double P99Ms, double MaxMs)
{
    public static MergeLag Of(List<double> samples)
    {
        if (samples.Count == 0)
        {
            return default;
        }

        var sorted = samples.ToArray();
        Array.Sort(sorted);
        return new MergeLag(sorted[(sorted.Length - 1) / 2], sorted[(int)Math.Ceiling(sorted.Length * 0.99) - 1], sorted[^1]);
    }
}
