using Grey.Raft;

namespace Grey.Edge.Storage.Wal;

/// <summary>The log as replayed from disk when it was opened.</summary>
/// <param name="Floor">The compaction floor: the log holds entries in (Floor, Floor + Entries.Count].</param>
/// <param name="FloorTerm">The term of the entry at <paramref name="Floor"/>.</param>
/// <param name="Entries">The entries after the floor.</param>
/// <param name="WrittenNoLaterThan">
/// For each entry, a time by which its record was surely on disk: the creation time of the next segment,
/// or the time of opening for the last segment. Retention by age uses it as a lower bound of the entry's age.
/// </param>
/// <param name="HardState">The latest hard state.</param>
/// <param name="Report">What was found and repaired.</param>
internal sealed record WalRecoveredState(
    ulong Floor,
    ulong FloorTerm,
    IReadOnlyList<Entry> Entries,
    IReadOnlyList<DateTimeOffset> WrittenNoLaterThan,
    HardState HardState,
    WalRecoveryReport Report);
