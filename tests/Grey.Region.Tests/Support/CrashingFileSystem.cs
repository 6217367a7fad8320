using Grey.Region.Storage;

namespace Grey.Region.Tests.Support;

/// <summary>
/// An in-memory disk that models what survives a power cut: file data is durable only once fsynced, a
/// created, renamed or deleted name only once the directory is fsynced. It stops at a chosen mutating
/// operation (<see cref="CrashAt"/>) by throwing <see cref="SimulatedCrash"/>, and <see cref="AfterCrash"/>
/// gives the disk as found after the cut, optionally with a random prefix of each file's unsynced tail (a
/// torn write). <see cref="LieAboutSync"/> makes fsync do nothing: the sabotage the crash tests must catch.
/// </summary>
internal sealed class CrashingFileSystem : IRegionFileSystem
{
    private Dictionary<string, Inode> _live = new(StringComparer.Ordinal);
    private Dictionary<string, Inode> _durable = new(StringComparer.Ordinal);

    public int Operations { get; private set; }

    public int? CrashAt { get; set; }

    public bool Crashed { get; private set; }

    public bool LieAboutSync { get; set; }

    public IReadOnlyList<string> List() => [.. _live.Keys.Order(StringComparer.Ordinal)];

    public byte[] ReadAll(string name) =>
        _live.TryGetValue(name, out Inode? i) ? [.. i.Live] : throw new FileNotFoundException(name);

    public IRegionFile OpenAppend(string name)
    {
        if (!_live.TryGetValue(name, out Inode? inode))
        {
            Step();
            inode = new Inode();
            _live[name] = inode;
        }

        return new Handle(this, inode);
    }

    public void Rename(string from, string to)
    {
        Step();
        Inode inode = _live[from];
        _live.Remove(from);
        _live[to] = inode;
    }

    public void Delete(string name)
    {
        Step();
        _live.Remove(name);
    }

    public void SyncDirectory()
    {
        Step();
        if (!LieAboutSync)
        {
            _durable = new Dictionary<string, Inode>(_live, StringComparer.Ordinal);
        }
    }

    /// <summary>Overwrites one byte of a file (live and durable alike): damage at rest.</summary>
    public void Corrupt(string name, int offset, byte xor)
    {
        Inode i = _live[name];
        i.Live[offset] ^= xor;
        if (offset < i.Durable.Length)
        {
            i.Durable[offset] ^= xor;
        }
    }

    /// <summary>Appends bytes to a file as if they had been written and synced (test set-up).</summary>
    public void Inject(string name, ReadOnlySpan<byte> bytes)
    {
        Inode i = _live[name];
        i.Live.AddRange(bytes.ToArray());
        i.Durable = [.. i.Live];
    }

    /// <summary>The disk after a power cut now: durable names, durable data, and with <paramref name="tear"/> a random prefix of unsynced appends.</summary>
    public CrashingFileSystem AfterCrash(Random? tear = null)
    {
        var fs = new CrashingFileSystem();
        foreach ((string name, Inode inode) in _durable)
        {
            var copy = new Inode();
            copy.Live.AddRange(inode.Durable);
            if (tear is not null && inode.Live.Count > inode.Durable.Length && inode.Live.Take(inode.Durable.Length).SequenceEqual(inode.Durable))
            {
                int extra = tear.Next(0, inode.Live.Count - inode.Durable.Length + 1);
                copy.Live.AddRange(inode.Live.Skip(inode.Durable.Length).Take(extra));
            }

            copy.Durable = [.. copy.Live];
            fs._live[name] = copy;
            fs._durable[name] = copy;
        }

        return fs;
    }

    private void Step()
    {
        if (Crashed)
        {
            throw new SimulatedCrash();
        }

        Operations++;
        if (CrashAt == Operations)
        {
            Crashed = true;
            throw new SimulatedCrash();
        }
    }

    private sealed class Inode
    {
        public List<byte> Live { get; } = [];

        public byte[] Durable { get; set; } = [];
    }

    private sealed class Handle(CrashingFileSystem fs, Inode inode) : IRegionFile
    {
        public long Length => inode.Live.Count;

        public void Append(ReadOnlySpan<byte> data)
        {
            fs.Step();
            inode.Live.AddRange(data.ToArray());
        }

        public void Sync()
        {
            fs.Step();
            if (!fs.LieAboutSync)
            {
                inode.Durable = [.. inode.Live];
            }
        }

        public void Truncate(long length)
        {
            fs.Step();
            inode.Live.RemoveRange((int)length, inode.Live.Count - (int)length);
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>The power went out at this operation.</summary>
internal sealed class SimulatedCrash : IOException
{
    public SimulatedCrash()
        : base("simulated crash")
    {
    }
}
