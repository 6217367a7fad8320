namespace Grey.Edge.Outbox;

/// <summary>
/// The outbox journal is damaged other than by a torn last write (a bad checksum or a broken chain before the
/// end of the newest segment): it is refused, naming the file and offset, rather than silently cut.
/// </summary>
internal sealed class OutboxJournalCorruptException : IOException
{
    public OutboxJournalCorruptException(string file, long offset, string reason)
        : base($"outbox journal {file} is corrupt at offset {offset}: {reason}")
    {
        File = file;
        Offset = offset;
    }

    /// <summary>The damaged file.</summary>
    public string File { get; }

    /// <summary>The offset of the damage.</summary>
    public long Offset { get; }
}
