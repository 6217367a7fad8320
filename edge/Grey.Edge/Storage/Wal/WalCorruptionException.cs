namespace Grey.Edge.Storage.Wal;

/// <summary>
/// The log on disk is damaged where a crash cannot have damaged it (in the middle of committed data, or in
/// a segment other than the last). The node must stop: repairing it silently could lose acknowledged writes.
/// </summary>
public sealed class WalCorruptionException : Exception
{
    /// <summary>Creates the exception for a place in a file.</summary>
    public WalCorruptionException(string file, long offset, string reason)
        : base($"WAL corruption in {file} at offset {offset}: {reason}")
    {
        File = file;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>Creates the exception with a message.</summary>
    public WalCorruptionException()
        : this(string.Empty, 0, "unknown")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public WalCorruptionException(string message)
        : base(message)
    {
        File = string.Empty;
        Reason = message;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public WalCorruptionException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = string.Empty;
        Reason = message;
    }

    /// <summary>The damaged file.</summary>
    public string File { get; }

    /// <summary>The byte offset in <see cref="File"/> where the damage starts.</summary>
    public long Offset { get; }

    /// <summary>What is wrong there.</summary>
    public string Reason { get; }
}
