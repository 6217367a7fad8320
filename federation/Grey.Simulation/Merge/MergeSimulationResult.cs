namespace Grey.Simulation.Merge;

/// <summary>What one seed of the merge simulation did and whether every region converged on the direct application.</summary>
public sealed record MergeSimulationResult
{
    public required ulong Seed { get; init; }

    /// <summary>Null when every check held; otherwise the first failure, precisely.</summary>
    public string? Failure { get; init; }

    public bool Passed => Failure is null;

    public int SiteEpochs { get; init; }

    public int Operations { get; init; }

    public int SignedDeltas { get; init; }

    public int Checkpoints { get; init; }

    public int Deliveries { get; init; }

    public int RegionExchanges { get; init; }

    public long Applied { get; init; }

    public long Duplicates { get; init; }

    public long Gaps { get; init; }

    public long Folded { get; init; }

    public long OwnershipViolations { get; init; }

    public long Conflicts { get; init; }

    /// <summary>The state hash of the direct application (hex).</summary>
    public string ExpectedHash { get; init; } = string.Empty;

    /// <summary>Each region's final state hash (hex), by region id.</summary>
    public IReadOnlyDictionary<string, string> RegionHashes { get; init; } = new Dictionary<string, string>();
}
