namespace Grey.Edge.Storage.Wal;

/// <summary>The kind of a WAL record (byte 8 of the record). Zero is never valid, so zero-filled space never parses.</summary>
internal enum WalRecordType : byte
{
    /// <summary>A Raft log entry: term, index, kind, payload. A later entry with an index at or below the last one replaces that suffix.</summary>
    Entry = 1,

    /// <summary>The Raft hard state (term, vote, commit); the latest one wins.</summary>
    HardState = 2,

    /// <summary>Snapshot marker: the log is compacted through (index, term); entries after it are kept.</summary>
    Compacted = 3,

    /// <summary>Snapshot marker: a snapshot at (index, term) was installed; every entry is discarded.</summary>
    SnapshotReset = 4,
}
