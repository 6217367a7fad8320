using Grey.Region.Ingest;

namespace Grey.Region.Status;

/// <summary>The region's event counters since it started (not persisted: they describe this process).</summary>
public sealed class RegionMetrics
{
    private readonly Dictionary<RejectReason, long> _rejected = [];

    /// <summary>Deltas merged (including those released from the hold).</summary>
    public long Merged { get; internal set; }

    /// <summary>Operations applied by merged deltas.</summary>
    public long OperationsMerged { get; internal set; }

    /// <summary>Operations skipped for breaking key ownership.</summary>
    public long OwnershipSkips { get; internal set; }

    /// <summary>Duplicates received (acknowledged again, not merged).</summary>
    public long Duplicates { get; internal set; }

    /// <summary>Deltas that arrived ahead of a gap.</summary>
    public long Gaps { get; internal set; }

    /// <summary>Gap deltas dropped because the hold was full.</summary>
    public long GapsDropped { get; internal set; }

    /// <summary>Held deltas merged once their gap closed.</summary>
    public long Released { get; internal set; }

    /// <summary>Signed acknowledgements produced.</summary>
    public long Acks { get; internal set; }

    /// <summary>Group commits (flushes that made records durable).</summary>
    public long GroupCommits { get; internal set; }

    /// <summary>Checkpoints written.</summary>
    public long Checkpoints { get; internal set; }

    /// <summary>Peer region deltas joined.</summary>
    public long RegionDeltasJoined { get; internal set; }

    /// <summary>Quarantine evictions (oldest items dropped to make room).</summary>
    public long QuarantineEvictions { get; internal set; }

    /// <summary>Rejections by reason.</summary>
    public IReadOnlyDictionary<RejectReason, long> Rejected => _rejected;

    /// <summary>Rejections of one reason.</summary>
    public long RejectedFor(RejectReason reason) => _rejected.GetValueOrDefault(reason);

    internal void CountRejected(RejectReason reason) => _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
}
