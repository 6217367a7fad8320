using Grey.Region.Storage;

namespace Grey.Simulation.Fleet;

/// <summary>
/// A region's disk in memory, with the durability rules of <see cref="IRegionFileSystem"/>: appended bytes survive
/// a crash only once synced, names only once the directory is synced. <see cref="Crash"/> forgets the rest.
/// </summary>
internal sealed class SimulatedRegionFileSystem : IRegionFileSystem
{
    private readonly SortedDictionary<string, FileData> live = new(StringComparer.Ordinal);
    private SortedDictionary<string, FileData> durableNames = new(StringComparer.Ordinal);

    public IReadOnlyList<string> List() => [.. live.Keys];

    public byte[] ReadAll(string name) =>
        live.TryGetValue(name, out FileData? f) ? [.. f.Bytes] : throw new FileNotFoundException("no such simulated file", name);

    public IRegionFile OpenAppend(string name)
    {
        if (!live.TryGetValue(name, out FileData? f))
        {
            f = new FileData();
            live.Add(name, f);
        }

        return new Handle(f);
    }

    public void Rename(string from, string to)
    {
        if (!live.Remove(from, out FileData? f))
        {
            throw new FileNotFoundException("no such simulated file", from);
        }

        live[to] = f;
    }

    public void Delete(string name) => live.Remove(name);

    public void SyncDirectory() => durableNames = new SortedDictionary<string, FileData>(live, StringComparer.Ordinal);

    /// <summary>A power cut: names not synced vanish, bytes not synced are cut off.</summary>
    public void Crash()
    {
        live.Clear();
        foreach ((string name, FileData f) in durableNames)
        {
            f.Bytes.RemoveRange(f.SyncedLength, f.Bytes.Count - f.SyncedLength);
            live.Add(name, f);
        }
    }

    private sealed class FileData
    {
        public List<byte> Bytes { get; } = [];

        public int SyncedLength { get; set; }
    }

    private sealed class Handle(FileData file) : IRegionFile
    {
        public long Length => file.Bytes.Count;

        public void Append(ReadOnlySpan<byte> data) => file.Bytes.AddRange(data);

        public void Sync() => file.SyncedLength = file.Bytes.Count;

        public void Truncate(long length)
        {
            file.Bytes.RemoveRange((int)length, file.Bytes.Count - (int)length);
            file.SyncedLength = Math.Min(file.SyncedLength, (int)length);
        }

        public void Dispose()
        {
        }
    }
}
