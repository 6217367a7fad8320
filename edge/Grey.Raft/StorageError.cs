namespace Grey.Raft;

/// <summary>Why a storage read could not be served.</summary>
public enum StorageError
{
    /// <summary>The requested index lies before the first index still in the log (it was compacted).</summary>
    Compacted,

    /// <summary>The requested index lies after the last index in the log.</summary>
    Unavailable,

    /// <summary>The snapshot is not ready yet; the node retries later.</summary>
    SnapshotTemporarilyUnavailable,

    /// <summary>A snapshot or compaction was requested at an index older than the current snapshot.</summary>
    SnapshotOutOfDate,
}
