namespace Grey.Region.Storage;

/// <summary>The real disk: one directory, appends through <see cref="FileStream"/>, fsync with <see cref="FileStream.Flush(bool)"/>.</summary>
public sealed class PhysicalRegionFileSystem : IRegionFileSystem
{
    private readonly string _directory;

    /// <summary>Uses (and creates) <paramref name="directory"/>.</summary>
    public PhysicalRegionFileSystem(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> List() => [.. Directory.EnumerateFiles(_directory).Select(Path.GetFileName).OfType<string>()];

    /// <inheritdoc />
    public byte[] ReadAll(string name) => File.ReadAllBytes(PathOf(name));

    /// <inheritdoc />
    public IRegionFile OpenAppend(string name) => new PhysicalFile(new FileStream(PathOf(name), FileMode.Append, FileAccess.Write, FileShare.Read));

    /// <inheritdoc />
    public void Rename(string from, string to) => File.Move(PathOf(from), PathOf(to), overwrite: true);

    /// <inheritdoc />
    public void Delete(string name) => File.Delete(PathOf(name));

    /// <inheritdoc />
    public void SyncDirectory() => DirectorySync.Sync(_directory);

    private string PathOf(string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ArgumentException($"not a plain file name: '{name}'", nameof(name));
        }

        return Path.Combine(_directory, name);
    }

    private sealed class PhysicalFile(FileStream stream) : IRegionFile
    {
        public long Length => stream.Length;

        public void Append(ReadOnlySpan<byte> data) => stream.Write(data);

        public void Sync() => stream.Flush(flushToDisk: true);

        public void Truncate(long length)
        {
            stream.Flush();
            stream.SetLength(length);
            stream.Seek(0, SeekOrigin.End);
        }

        public void Dispose() => stream.Dispose();
    }
}
