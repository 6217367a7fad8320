namespace Grey.Region.Storage;

/// <summary>
/// The region store found damage it must not repair by itself: a bad record in the middle of the log, a
/// bad checkpoint, a break in record sequence numbers. It names the file and the byte offset, so an operator
/// can look; the region refuses to start rather than serve (and acknowledge over) a state with a hole in it.
/// </summary>
public sealed class StoreCorruptException(string file, long offset, string message)
    : IOException($"region store corrupt: {file} at offset {offset}: {message}")
{
    /// <summary>The damaged file.</summary>
    public string File { get; } = file;

    /// <summary>The byte offset of the damage in <see cref="File"/>.</summary>
    public long Offset { get; } = offset;
}
