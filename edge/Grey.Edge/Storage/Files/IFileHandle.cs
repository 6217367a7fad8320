namespace Grey.Edge.Storage.Files;

/// <summary>An open file, addressed by offset (no shared cursor), as <see cref="System.IO.RandomAccess"/> does.</summary>
internal interface IFileHandle : IDisposable
{
    /// <summary>The current length in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; returns the bytes read.</summary>
    int Read(long offset, Span<byte> buffer);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>. Not durable until <see cref="Flush"/>.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Truncates or extends the file. Not durable until <see cref="Flush"/>.</summary>
    void SetLength(long length);

    /// <summary>fsync (fdatasync on Linux): makes the file's data and size durable. Throws when the device reports a failure.</summary>
    void Flush();
}
