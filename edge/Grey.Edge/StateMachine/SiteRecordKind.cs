namespace Grey.Edge.StateMachine;

/// <summary>Kinds of internal records. Byte values are part of the log format.</summary>
internal enum SiteRecordKind : byte
{
    /// <summary>The site's epoch (a random 64-bit number); only the first one applied counts.</summary>
    Epoch = 1,

    /// <summary>The API address of a member (for forwarding writes to the leader).</summary>
    MemberApi = 2,

    /// <summary>
    /// The home region's verified acknowledgement (region, epoch, merged index, chain hash there), proposed by
    /// the leader's outbox; every replica records it as the acknowledged index and trims its outbox journal.
    /// </summary>
    RegionAck = 3,

    /// <summary>
    /// The peer address (HOST:PORT) of a member added at run time, proposed by the leader just before the
    /// configuration change that adds it: every member's transport can then reach it without a restart, and the
    /// address survives compaction in the snapshot.
    /// </summary>
    MemberPeer = 4,
}
