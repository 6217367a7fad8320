namespace Grey.Federation.Merge;

/// <summary>Options of a <see cref="RegionMerger"/>, with documented defaults.</summary>
public sealed record RegionMergerOptions
{
    /// <summary>Most deltas held ahead of a gap for one site epoch. Default 64: a site's in-flight window is smaller.</summary>
    public int MaxHeldPerSiteEpoch { get; init; } = 64;

    /// <summary>Most deltas held over all sites. Default 4096, so a bad site cannot take the hold from the others for long.</summary>
    public int MaxHeldTotal { get; init; } = 4096;

    /// <summary>Returns every problem with these options at once (empty when valid).</summary>
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

        return errors;
    }
}
