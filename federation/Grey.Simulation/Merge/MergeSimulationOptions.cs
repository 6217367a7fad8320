namespace Grey.Simulation.Merge;

/// <summary>Options of one merge simulation run; <see cref="Validate"/> reports every problem at once.</summary>
public sealed record MergeSimulationOptions
{
    /// <summary>Most sites one run simulates: each costs a signing key and its deltas.</summary>
    public const int MaxSites = 64;

    /// <summary>Most regions one run simulates.</summary>
    public const int MaxRegions = 16;

    /// <summary>Most data entries per site epoch.</summary>
    public const int MaxEntriesLimit = 1_000;

    /// <summary>The seed that drives every random choice of the run.</summary>
    public ulong Seed { get; init; }

    /// <summary>Sites (default 3).</summary>
    public int Sites { get; init; } = 3;

    /// <summary>Regions (default 3).</summary>
    public int Regions { get; init; } = 3;

    /// <summary>Most data entries per site epoch (default 30).</summary>
    public int MaxEntries { get; init; } = 30;

    /// <summary>
    /// For testing the checker itself: after the run, one region applies a write no site made, so the
    /// run must report divergence. Never set outside tests.
    /// </summary>
    internal bool InjectDivergence { get; init; }

    /// <summary>Returns every problem with these options at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Sites is < 1 or > MaxSites)
        {
            errors.Add($"sites must lie in [1, {MaxSites}], got {Sites}");
        }

        if (Regions is < 1 or > MaxRegions)
        {
            errors.Add($"regions must lie in [1, {MaxRegions}], got {Regions}");
        }

        if (MaxEntries is < 1 or > MaxEntriesLimit)
        {
            errors.Add($"max entries must lie in [1, {MaxEntriesLimit}], got {MaxEntries}");
        }

        return errors;
    }
}
