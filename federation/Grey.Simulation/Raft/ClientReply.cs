namespace Grey.Simulation.Raft;

/// <summary>What a node answers a client.</summary>
internal enum ClientReplyKind
{
    /// <summary>The operation took effect (or, for a compare-and-set, was decided); see the value fields.</summary>
    Done,

    /// <summary>The node is not the leader and did nothing; the client may retry elsewhere.</summary>
    NotLeader,
}

/// <summary>A node's answer to one client request.</summary>
/// <param name="Kind">Done or not the leader.</param>
/// <param name="Ok">For a compare-and-set: whether it swapped. True for writes and reads.</param>
/// <param name="Value">For a read: the value read, null when the key is absent.</param>
/// <param name="LeaderHint">For <see cref="ClientReplyKind.NotLeader"/>: the leader the node knows of, 0 when none.</param>
internal readonly record struct ClientReply(ClientReplyKind Kind, bool Ok, long? Value, ulong LeaderHint);
