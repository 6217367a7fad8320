namespace Grey.Raft;

/// <summary>The outcome of a proposal. An accepted proposal may still be lost if the leader changes.</summary>
public enum ProposeResult
{
    /// <summary>The entry was appended to the leader's log.</summary>
    Accepted,

    /// <summary>This node is not the leader; the caller should retry on the leader.</summary>
    NotLeader,

    /// <summary>
    /// Dropped: too large, the uncommitted-entries limit is reached, a leader transfer is in progress, or a
    /// configuration change is still pending.
    /// </summary>
    Dropped,
}
