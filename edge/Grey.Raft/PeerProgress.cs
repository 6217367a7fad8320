namespace Grey.Raft;

/// <summary>The leader's view of one peer.</summary>
/// <param name="Match">The highest index known to be in the peer's log.</param>
/// <param name="Next">The next index the leader will send.</param>
/// <param name="State">The replication state.</param>
/// <param name="IsLearner">True for a non-voting member.</param>
/// <param name="RecentActive">True when the peer was heard from within the last election timeout.</param>
/// <param name="PendingSnapshot">The index of the snapshot in flight, 0 when none.</param>
/// <param name="InflightMessages">Append messages sent and not yet acknowledged.</param>
public readonly record struct PeerProgress(
    ulong Match, ulong Next, ProgressState State, bool IsLearner, bool RecentActive, ulong PendingSnapshot, int InflightMessages);
