using Grey.Raft;

namespace Grey.Simulation.Raft;

/// <summary>The kinds of records a simulated node writes to its write-ahead log.</summary>
internal enum RaftWalRecordKind : byte
{
    /// <summary>Log entries to append (replacing any conflicting suffix).</summary>
    Entries = 1,

    /// <summary>The node's hard state (term, vote, commit).</summary>
    HardState = 2,

    /// <summary>A snapshot received from the leader: it replaces the whole log.</summary>
    SnapshotReceived = 3,

    /// <summary>A snapshot the node took of its own state machine, and the index the log was compacted to.</summary>
    SnapshotTaken = 4,
}

/// <summary>One decoded record of a simulated node's write-ahead log.</summary>
/// <param name="Kind">What the record holds.</param>
/// <param name="Entries">For <see cref="RaftWalRecordKind.Entries"/>.</param>
/// <param name="HardState">For <see cref="RaftWalRecordKind.HardState"/>.</param>
/// <param name="Snapshot">For the two snapshot kinds.</param>
/// <param name="CompactIndex">For <see cref="RaftWalRecordKind.SnapshotTaken"/>: the log was compacted up to here.</param>
internal sealed record RaftWalRecord(
    RaftWalRecordKind Kind,
    IReadOnlyList<Entry> Entries,
    HardState HardState,
    Snapshot? Snapshot,
    ulong CompactIndex);
