namespace Grey.Federation.Merge;

/// <summary>
/// Event counters of a <see cref="RegionMerger"/>: local bookkeeping for metrics, never part of the state hash.
/// </summary>
public sealed class MergeCounters
{
    private readonly long[] _byStatus = new long[Enum.GetValues<MergeStatus>().Length];

    /// <summary>Deltas that ended with <paramref name="status"/> (held deltas released later count as applied then).</summary>
    public long this[MergeStatus status] => _byStatus[(int)status];

    /// <summary>Checkpoint deltas merged over folded history.</summary>
    public long Folded { get; private set; }

    /// <summary>Operations and checkpoint items applied.</summary>
    public long OperationsApplied { get; private set; }

    /// <summary>Operations skipped because they were already merged.</summary>
    public long OperationsSkippedOverlap { get; private set; }

    /// <summary>Operations and checkpoint items skipped for breaking ownership.</summary>
    public long OwnershipViolations { get; private set; }

    /// <summary>Register conflicts resolved, from site deltas and region joins.</summary>
    public long Conflicts { get; private set; }

    /// <summary>Deltas dropped because the hold was full.</summary>
    public long HoldDropped { get; private set; }

    internal void Record(MergeOutcome o)
    {
        _byStatus[(int)o.Status]++;
        Folded += o.Folded ? 1 : 0;
        OperationsApplied += o.OperationsApplied;
        OperationsSkippedOverlap += o.OperationsSkippedOverlap;
        OwnershipViolations += o.OwnershipViolations;
        Conflicts += o.Conflicts;
        HoldDropped += o.Status == MergeStatus.Gap && !o.Held ? 1 : 0;
    }

    internal void RecordConflicts(int conflicts) => Conflicts += conflicts;
}
