namespace Grey.Edge.Outbox;

/// <summary>The journal's backlog at one moment.</summary>
/// <param name="Entries">Entries held above the acknowledged index.</param>
/// <param name="Bytes">Their framed bytes.</param>
/// <param name="OldestWallMs">HLC wall time (Unix ms) of the oldest, null when none.</param>
/// <param name="TailIndex">Index of the newest entry or fold point.</param>
/// <param name="FoldThrough">A checkpoint at or above this index must be shipped first (0: none).</param>
/// <param name="Folds">Budget folds since the journal was opened.</param>
/// <param name="FoldedEntries">Entries dropped by folds and gap repairs since the journal was opened.</param>
/// <param name="Gaps">Gaps found since the journal was opened.</param>
internal readonly record struct JournalStats(long Entries, long Bytes, long? OldestWallMs, ulong TailIndex, ulong FoldThrough, long Folds, long FoldedEntries, long Gaps);
