using Grey.Region.Storage;

namespace Grey.Region.Daemon.Tests.Support;

/// <summary>The real disk, with fsync failing on demand (an IOException, as a failing disk gives).</summary>
internal sealed class FlakyFileSystem(string directory) : IRegionFileSystem
{
    private readonly PhysicalRegionFileSystem _inner = new(directory);

    public bool FailSync { get; set; }

    public IReadOnlyList<string> List() => _inner.List();

    public byte[] ReadAll(string name) => _inner.ReadAll(name);

    public IRegionFile OpenAppend(string name) => new File(this, _inner.OpenAppend(name));

    public void Rename(string from, string to) => _inner.Rename(from, to);

    public void Delete(string name) => _inner.Delete(name);

    public void SyncDirectory()
    {
        ThrowIfFailing();
        _inner.SyncDirectory();
    }

    private void ThrowIfFailing()
    {
        if (FailSync)
        {
            throw new IOException("fsync failed (test)");
        }
    }

    private sealed class File(FlakyFileSystem fs, IRegionFile inner) : IRegionFile
    {
        public long Length => inner.Length;

        public void Append(ReadOnlySpan<byte> data) => inner.Append(data);

        public void Sync()
        {
            fs.ThrowIfFailing();
            inner.Sync();
        }

        public void Truncate(long length) => inner.Truncate(length);

        public void Dispose() => inner.Dispose();
    }
}
