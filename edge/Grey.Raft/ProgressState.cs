namespace Grey.Raft;

/// <summary>How the leader replicates to one follower.</summary>
public enum ProgressState
{
    /// <summary>At most one Append per heartbeat interval, until the follower's match index is known.</summary>
    Probe,

    /// <summary>Entries are pipelined optimistically, bounded by the in-flight limits.</summary>
    Replicate,

    /// <summary>A snapshot is on its way; replication waits for it.</summary>
    Snapshot,
}
