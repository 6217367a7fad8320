namespace Grey.Edge.Node;

/// <summary>How a proposal or read ended at the node level (the command's own outcome is separate).</summary>
internal enum ProposalStatus
{
    /// <summary>Committed and applied; see the command outcome.</summary>
    Applied,

    /// <summary>No leader is known, or the leader could not be reached; nothing was proposed.</summary>
    NoLeader,

    /// <summary>Raft refused it (too large, too many uncommitted entries, a leadership transfer, a pending membership change).</summary>
    Dropped,

    /// <summary>More requests are pending than the node allows.</summary>
    Overloaded,

    /// <summary>Proposed, but leadership changed or time ran out before it applied: it may or may not commit.</summary>
    Unknown,

    /// <summary>The node is stopping or has failed.</summary>
    Stopped,
}
