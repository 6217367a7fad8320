namespace Grey.Edge.Node;

/// <summary>Counters and histograms the node keeps for <c>/metrics</c>; all thread-safe.</summary>
internal sealed class NodeMetrics
{
    private long proposals;
    private long proposalsFailed;
    private long elections;
    private long leaderChanges;
    private long readsLinearizable;
    private long snapshots;
    private long forwarded;

    /// <summary>Time from proposal to apply, for proposals made on this node while leader.</summary>
    public LatencyHistogram CommitLatency { get; } = new();

    /// <summary>Time of each synced WAL append (one group commit: write and fsync).</summary>
    public LatencyHistogram FsyncLatency { get; } = new();

    /// <summary>Proposals made on this node (as leader).</summary>
    public long Proposals => Interlocked.Read(ref proposals);

    /// <summary>Proposals that did not apply (dropped, overloaded, unknown outcome, no leader).</summary>
    public long ProposalsFailed => Interlocked.Read(ref proposalsFailed);

    /// <summary>Elections this node started (it became a candidate).</summary>
    public long Elections => Interlocked.Read(ref elections);

    /// <summary>Times this node saw the leader change.</summary>
    public long LeaderChanges => Interlocked.Read(ref leaderChanges);

    /// <summary>Linearizable (ReadIndex) reads served.</summary>
    public long ReadsLinearizable => Interlocked.Read(ref readsLinearizable);

    /// <summary>Snapshots taken by this node.</summary>
    public long Snapshots => Interlocked.Read(ref snapshots);

    /// <summary>Writes this node forwarded to the leader.</summary>
    public long Forwarded => Interlocked.Read(ref forwarded);

    internal void Proposed() => Interlocked.Increment(ref proposals);

    internal void ProposalFailed() => Interlocked.Increment(ref proposalsFailed);

    internal void ElectionStarted() => Interlocked.Increment(ref elections);

    internal void LeaderChanged() => Interlocked.Increment(ref leaderChanges);

    internal void ReadServed() => Interlocked.Increment(ref readsLinearizable);

    internal void SnapshotTaken() => Interlocked.Increment(ref snapshots);

    internal void ForwardedWrite() => Interlocked.Increment(ref forwarded);
}
