namespace Grey.Raft;

/// <summary>
/// Thrown by <see cref="IRaftStorage"/> when a requested index is compacted or not available. The node
/// catches the <see cref="StorageError.Compacted"/> and <see cref="StorageError.SnapshotTemporarilyUnavailable"/>
/// cases (it sends a snapshot or retries); any other storage failure is fatal.
/// </summary>
public sealed class RaftStorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RaftStorageException(StorageError error, string message)
        : base(message) => Error = error;

    /// <summary>Creates the exception with a default message.</summary>
    public RaftStorageException()
        : this(StorageError.Unavailable, "storage: unavailable")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RaftStorageException(string message)
        : this(StorageError.Unavailable, message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public RaftStorageException(string message, Exception innerException)
        : base(message, innerException) => Error = StorageError.Unavailable;

    /// <summary>The reason.</summary>
    public StorageError Error { get; }
}
