namespace Grey.Region.Hosting;

/// <summary>Limits and intervals of the ingest loop, with documented defaults; <see cref="Validate"/> reports every problem at once.</summary>
public sealed record RegionHostOptions
{
    /// <summary>
    /// Most site deltas fetched and ingested per turn, made durable by one group commit. Default 256: large enough
    /// that one fsync covers a burst, small enough that a turn (and the API waiting on it) stays short.
    /// </summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>
    /// Most cores that decode and verify one turn's deltas before they are merged in order. Default the machine's
    /// processor count; 1 prepares nothing ahead (each delta is decoded and verified as it is merged).
    /// </summary>
    public int PrepareParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Most signals (status reports, peer region deltas) handled per turn, so a flood of them cannot starve deltas. Default 1024.</summary>
    public int MaxSignalsPerTurn { get; init; } = 1024;

    /// <summary>
    /// Least time between two region deltas published on <c>grey.region.&lt;region&gt;</c>, and how long a change waits
    /// at most before peers hear of it (plus one fetch wait). Each carries only what changed since the previous one.
    /// Default 2 s.
    /// </summary>
    public TimeSpan RegionDeltaInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often a region delta carries the whole merged state instead of only the changes (also the first one after
    /// the region opens), so a peer that missed one (or started later) is repaired. Its cost grows with the state, so
    /// it is much rarer than <see cref="RegionDeltaInterval"/>. Default 60 s.
    /// </summary>
    public TimeSpan RegionDeltaRepeat { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether region deltas are published at all (off for a region that wants no traffic). Default on; a region
    /// without configured peer regions publishes none either way.
    /// </summary>
    public bool PublishRegionDeltas { get; init; } = true;

    /// <summary>
    /// Least time between two revocation notices republished for one revoked signer whose deltas keep arriving (see
    /// <see cref="RevocationRepair"/>). Default 5 s: a few notices per outage at most, and a site that missed one is
    /// repaired within seconds of its next delta.
    /// </summary>
    public TimeSpan RevocationRepublishInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Per-site quotas: a site over its quota has its acknowledgements delayed (never its data). Default unlimited.</summary>
    public Quotas.QuotaOptions Quotas { get; init; } = Grey.Region.Quotas.QuotaOptions.Unlimited;

    /// <summary>Returns every problem at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxBatch < 1 || MaxBatch > 10_000)
        {
            errors.Add($"MaxBatch must be within 1..10000, was {MaxBatch}");
        }

        if (PrepareParallelism is < 1 or > 256)
        {
            errors.Add($"PrepareParallelism must be within 1..256, was {PrepareParallelism}");
        }

        if (MaxSignalsPerTurn < 1)
        {
            errors.Add($"MaxSignalsPerTurn must be positive, was {MaxSignalsPerTurn}");
        }

        if (RegionDeltaInterval <= TimeSpan.Zero)
        {
            errors.Add($"RegionDeltaInterval must be positive, was {RegionDeltaInterval}");
        }

        if (RegionDeltaRepeat < RegionDeltaInterval)
        {
            errors.Add($"RegionDeltaRepeat ({RegionDeltaRepeat}) must be at least RegionDeltaInterval ({RegionDeltaInterval})");
        }

        if (RevocationRepublishInterval <= TimeSpan.Zero)
        {
            errors.Add($"RevocationRepublishInterval must be positive, was {RevocationRepublishInterval}");
        }

        errors.AddRange(Quotas.Validate());
        return errors;
    }
}
