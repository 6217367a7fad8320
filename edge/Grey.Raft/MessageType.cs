namespace Grey.Raft;

/// <summary>The kinds of messages. Local kinds never travel over the network and are refused by <see cref="RawNode.Step"/>.</summary>
public enum MessageType
{
    /// <summary>Local: start an election (or a pre-vote round).</summary>
    Hup,

    /// <summary>Local: the leader sends heartbeats.</summary>
    Beat,

    /// <summary>A pre-candidate asks whether it would get a vote in the next term.</summary>
    PreVote,

    /// <summary>The answer to <see cref="PreVote"/>.</summary>
    PreVoteResponse,

    /// <summary>A candidate asks for a vote.</summary>
    Vote,

    /// <summary>The answer to <see cref="Vote"/>.</summary>
    VoteResponse,

    /// <summary>The leader replicates entries (possibly none) after the entry at Index/LogTerm.</summary>
    Append,

    /// <summary>The answer to <see cref="Append"/>; with Reject set, RejectHint/LogTerm help the leader back off.</summary>
    AppendResponse,

    /// <summary>The leader's heartbeat; Context carries a ReadIndex request context when one is pending.</summary>
    Heartbeat,

    /// <summary>The answer to <see cref="Heartbeat"/>.</summary>
    HeartbeatResponse,

    /// <summary>The leader sends a snapshot to a follower that is behind the leader's first log index.</summary>
    Snapshot,

    /// <summary>The leader tells the transfer target to campaign at once.</summary>
    TimeoutNow,

    /// <summary>A follower forwards a linearizable read request to the leader.</summary>
    ReadIndex,

    /// <summary>The leader answers a forwarded <see cref="ReadIndex"/> with the read index.</summary>
    ReadIndexResponse,

    /// <summary>A follower forwards a leader-transfer request to the leader.</summary>
    TransferLeader,

    /// <summary>Local: the application reports that a peer is unreachable.</summary>
    Unreachable,

    /// <summary>Local: the application reports the outcome of sending a snapshot.</summary>
    SnapshotStatus,
}
