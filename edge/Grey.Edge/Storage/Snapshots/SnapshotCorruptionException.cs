namespace Grey.Edge.Storage.Snapshots;

/// <summary>
/// The newest snapshot file is damaged. The node must stop: the log may already be compacted past any
/// older snapshot, so falling back silently could lose committed state.
/// </summary>
public sealed class SnapshotCorruptionException : Exception
{
    /// <summary>Creates the exception for a file.</summary>
    public SnapshotCorruptionException(string file, string reason)
        : base($"snapshot corruption in {file}: {reason}")
    {
        File = file;
        Reason = reason;
    }

    /// <summary>Creates the exception.</summary>
    public SnapshotCorruptionException()
        : this(string.Empty, "unknown")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SnapshotCorruptionException(string message)
        : base(message)
    {
        File = string.Empty;
        Reason = message;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public SnapshotCorruptionException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = string.Empty;
        Reason = message;
    }

    /// <summary>The damaged file.</summary>
    public string File { get; }

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; }
}
