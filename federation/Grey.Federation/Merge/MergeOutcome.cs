namespace Grey.Federation.Merge;

/// <summary>
/// The outcome of offering one delta to a region: a status with a reason, what it was about, and what the
/// merge did. Rejections carry the reason a region puts in its quarantine and metrics.
/// </summary>
public sealed record MergeOutcome
{
    /// <summary>The status.</summary>
    public required MergeStatus Status { get; init; }

    /// <summary>A precise, human-readable reason.</summary>
    public required string Reason { get; init; }

    /// <summary>The site the delta names, when it could be decoded.</summary>
    public string? Site { get; init; }

    /// <summary>The site's epoch, when decoded.</summary>
    public ulong Epoch { get; init; }

    /// <summary>The first index the delta covers (1 for a checkpoint), when decoded.</summary>
    public ulong FirstIndex { get; init; }

    /// <summary>The last index the delta covers, when decoded.</summary>
    public ulong LastIndex { get; init; }

    /// <summary>The region's merged index for the site epoch after this merge (what to acknowledge).</summary>
    public ulong MergedIndex { get; init; }

    /// <summary>Operations (or checkpoint items) applied.</summary>
    public int OperationsApplied { get; init; }

    /// <summary>Operations skipped because their entries were already merged (overlapping batches).</summary>
    public int OperationsSkippedOverlap { get; init; }

    /// <summary>Operations (or checkpoint items) skipped because they break key ownership.</summary>
    public int OwnershipViolations { get; init; }

    /// <summary>Register conflicts resolved (writes of different origins met).</summary>
    public int Conflicts { get; init; }

    /// <summary>Whether it was a checkpoint delta merged over folded history.</summary>
    public bool Folded { get; init; }

    /// <summary>For <see cref="MergeStatus.Gap"/>: whether it is held (false: the hold was full and it was dropped).</summary>
    public bool Held { get; init; }

    /// <summary>Held deltas that this merge made contiguous and that were then merged.</summary>
    public int Released { get; init; }

    /// <summary>Whether the region should acknowledge (applied or duplicate).</summary>
    public bool ShouldAcknowledge => Status is MergeStatus.Applied or MergeStatus.Duplicate;

    internal static MergeOutcome Reject(MergeStatus status, string reason) => new() { Status = status, Reason = reason };
}
