namespace Grey.Region;

/// <summary>Limits of one region, with documented defaults; <see cref="Validate"/> reports every problem at once.</summary>
public sealed record RegionOptions
{
    /// <summary>Most gap deltas held for one site epoch. Default 64: a site's in-flight window is smaller.</summary>
    public int MaxHeldPerSiteEpoch { get; init; } = 64;

    /// <summary>Most gap deltas held over all sites. Default 4096, so one bad site cannot take the hold from the others.</summary>
    public int MaxHeldTotal { get; init; } = 4096;

    /// <summary>Most bytes of gap deltas held over all sites. Default 64 MiB.</summary>
    public long MaxHeldBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Most quarantined items. Default 1024.</summary>
    public int QuarantineMaxItems { get; init; } = 1024;

    /// <summary>Most quarantined bytes. Default 64 MiB (eight deltas at the envelope limit).</summary>
    public long QuarantineMaxBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>A checkpoint is written at the flush after this many log records. Default 10,000.</summary>
    public long CheckpointEveryRecords { get; init; } = 10_000;

    /// <summary>A checkpoint is written at the flush after this many log bytes. Default 256 MiB.</summary>
    public long CheckpointEveryBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// Encode and write each checkpoint on a background task (default false): the flush that finds one due only starts
    /// a new log segment and copies the state, so its acks do not wait for the whole state to be encoded and fsynced
    /// (280 ms for 65,000 keys in bench e2e). A failure of that task faults the region at its next call. The
    /// deterministic simulator and the storage tests keep the synchronous checkpoint; grey-region turns it on.
    /// </summary>
    public bool CheckpointInBackground { get; init; }

    /// <summary>Most sites tracked for status (last seen, reported committed index). Default 100,000.</summary>
    public int MaxSites { get; init; } = 100_000;

    /// <summary>Returns every problem at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxHeldPerSiteEpoch < 0)
        {
            errors.Add($"MaxHeldPerSiteEpoch must not be negative, was {MaxHeldPerSiteEpoch}");
        }

        if (MaxHeldTotal < MaxHeldPerSiteEpoch)
        {
            errors.Add($"MaxHeldTotal ({MaxHeldTotal}) must be at least MaxHeldPerSiteEpoch ({MaxHeldPerSiteEpoch})");
        }

        if (MaxHeldBytes < 0)
        {
            errors.Add($"MaxHeldBytes must not be negative, was {MaxHeldBytes}");
        }

        if (QuarantineMaxItems < 1 || QuarantineMaxBytes < 1)
        {
            errors.Add($"the quarantine needs room for at least one item and one byte, was {QuarantineMaxItems} items, {QuarantineMaxBytes} bytes");
        }

        if (CheckpointEveryRecords < 1 || CheckpointEveryBytes < 1)
        {
            errors.Add($"checkpoint thresholds must be positive, were {CheckpointEveryRecords} records, {CheckpointEveryBytes} bytes");
        }

        if (MaxSites < 1)
        {
            errors.Add($"MaxSites must be positive, was {MaxSites}");
        }

        return errors;
    }
}
