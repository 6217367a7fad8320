using System.Globalization;
using Grey.Edge.Storage.Files;
using Grey.Raft;

namespace Grey.Edge.Storage.Snapshots;

/// <summary>
/// Snapshot files in one directory, named <c>{index:x16}-{term:x16}.snap</c>. A snapshot is written to a
/// temporary file, fsynced, renamed over its final name and the directory fsynced, so a crash leaves either
/// the whole new snapshot or none of it. The newest <c>keep</c> snapshots are kept; older ones are deleted.
/// </summary>
internal sealed class SnapshotStore
{
    /// <summary>The file name suffix of snapshots.</summary>
    public const string Extension = ".snap";

    /// <summary>The suffix of a snapshot being written.</summary>
    public const string TempExtension = ".snap.tmp";

    private readonly IFileSystem fileSystem;
    private readonly string directory;
    private readonly int keep;
    private readonly long maxSnapshotBytes;

    /// <summary>Creates the store (and its directory).</summary>
    /// <param name="fileSystem">The disk.</param>
    /// <param name="directory">Where the snapshot files live.</param>
    /// <param name="keep">How many snapshots to keep (at least 1).</param>
    /// <param name="maxSnapshotBytes">The largest snapshot file written or read.</param>
    public SnapshotStore(IFileSystem fileSystem, string directory, int keep, long maxSnapshotBytes)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSnapshotBytes, 64L);
        this.fileSystem = fileSystem;
        this.directory = directory;
        this.keep = keep;
        this.maxSnapshotBytes = maxSnapshotBytes;
        fileSystem.CreateDirectory(directory);
    }

    /// <summary>The file name of a snapshot.</summary>
    public static string FileName(ulong index, ulong term) =>
        string.Create(CultureInfo.InvariantCulture, $"{index:x16}-{term:x16}{Extension}");

    /// <summary>The paths of the snapshot files present, oldest first.</summary>
    public IReadOnlyList<string> Files() =>
        Parsed().Select(p => Path.Combine(directory, p.Name)).ToArray();

    /// <summary>
    /// Removes leftover temporary files (a snapshot being written when the process stopped) and loads the
    /// newest snapshot, or returns null when there is none. Throws <see cref="SnapshotCorruptionException"/>
    /// when the newest file is damaged.
    /// </summary>
    public Snapshot? LoadLatest()
    {
        var removed = false;
        foreach (var name in fileSystem.ListFiles(directory).Where(n => n.EndsWith(TempExtension, StringComparison.Ordinal)))
        {
            fileSystem.Delete(Path.Combine(directory, name));
            removed = true;
        }

        if (removed)
        {
            fileSystem.SyncDirectory(directory);
        }

        var files = Parsed();
        if (files.Count == 0)
        {
            return null;
        }

        var newest = files[^1];
        var path = Path.Combine(directory, newest.Name);
        using var handle = fileSystem.OpenRead(path);
        if (handle.Length > maxSnapshotBytes)
        {
            throw new SnapshotCorruptionException(path, $"{handle.Length} bytes is more than the maximum snapshot size {maxSnapshotBytes}");
        }

        var bytes = new byte[handle.Length];
        var read = handle.Read(0, bytes);
        var snapshot = SnapshotCodec.TryDecode(bytes.AsSpan(0, read), out var error)
            ?? throw new SnapshotCorruptionException(path, error ?? "invalid snapshot");
        if (snapshot.Metadata.Index != newest.Index || snapshot.Metadata.Term != newest.Term)
        {
            throw new SnapshotCorruptionException(path, $"content is at {snapshot.Metadata.Index}/{snapshot.Metadata.Term}, the name says {newest.Index}/{newest.Term}");
        }

        return snapshot;
    }

    /// <summary>Writes a snapshot durably (temp file, fsync, rename, directory fsync), then prunes old ones.</summary>
    public void Save(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var bytes = SnapshotCodec.Encode(snapshot);
        if (bytes.Length > maxSnapshotBytes)
        {
            throw new ArgumentException($"snapshot of {bytes.Length} bytes exceeds the maximum snapshot size {maxSnapshotBytes}", nameof(snapshot));
        }

        var name = FileName(snapshot.Metadata.Index, snapshot.Metadata.Term);
        var final = Path.Combine(directory, name);
        var temp = final[..^Extension.Length] + TempExtension;
        if (fileSystem.FileExists(temp))
        {
            fileSystem.Delete(temp);
        }

        using (var handle = fileSystem.Open(temp, createNew: true))
        {
            handle.Write(0, bytes);
            handle.Flush();
        }

        fileSystem.Rename(temp, final);
        fileSystem.SyncDirectory(directory);

        var files = Parsed();
        for (var i = 0; i < files.Count - keep; i++)
        {
            fileSystem.Delete(Path.Combine(directory, files[i].Name));
            fileSystem.SyncDirectory(directory);
        }
    }

    private List<(ulong Index, ulong Term, string Name)> Parsed()
    {
        var list = new List<(ulong, ulong, string)>();
        foreach (var name in fileSystem.ListFiles(directory))
        {
            if (name.Length == 33 + Extension.Length
                && name.EndsWith(Extension, StringComparison.Ordinal)
                && name[16] == '-'
                && ulong.TryParse(name.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var index)
                && ulong.TryParse(name.AsSpan(17, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var term))
            {
                list.Add((index, term, name));
            }
        }

        list.Sort((a, b) => a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : a.Item2.CompareTo(b.Item2));
        return list;
    }
}
