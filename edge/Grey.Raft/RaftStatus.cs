namespace Grey.Raft;

/// <summary>A snapshot of a node's state for diagnostics and invariant checks.</summary>
/// <param name="Id">The node's id.</param>
/// <param name="Term">The current term.</param>
/// <param name="Vote">The vote cast in the current term, 0 when none.</param>
/// <param name="Commit">The commit index.</param>
/// <param name="Applied">The index the application reported as applied.</param>
/// <param name="Role">The node's role.</param>
/// <param name="Leader">The known leader, 0 when none.</param>
/// <param name="LeadTransferee">The target of a leader transfer in progress, 0 when none.</param>
/// <param name="Config">The membership in effect.</param>
/// <param name="Progress">On a leader, its view of every member (itself included); empty otherwise.</param>
public sealed record RaftStatus(
    ulong Id,
    ulong Term,
    ulong Vote,
    ulong Commit,
    ulong Applied,
    StateRole Role,
    ulong Leader,
    ulong LeadTransferee,
    ConfState Config,
    IReadOnlyDictionary<ulong, PeerProgress> Progress);
