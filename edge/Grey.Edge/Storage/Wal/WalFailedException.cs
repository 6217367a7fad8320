namespace Grey.Edge.Storage.Wal;

/// <summary>
/// A write or fsync of the log failed. After that the kernel may have dropped the dirty pages, so whether
/// the data is on disk is unknown; the log refuses every later call and the node must stop (and recover
/// from disk on restart) rather than acknowledge anything.
/// </summary>
public sealed class WalFailedException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public WalFailedException()
        : base("the WAL has failed")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public WalFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the original failure.</summary>
    public WalFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
