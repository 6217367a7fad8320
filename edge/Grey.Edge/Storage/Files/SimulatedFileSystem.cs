namespace Grey.Edge.Storage.Files;

/// <summary>
/// An in-memory disk that models what survives a crash. Writes land in a volatile "page cache"; a file's
/// <see cref="IFileHandle.Flush"/> makes its content and length durable; <see cref="SyncDirectory"/> makes
/// the directory's entries (creations, renames, deletions) durable. <see cref="AfterCrash"/> returns the
/// disk as a restarted process finds it: after a process crash everything written survives; after a power
/// cut only what was synced survives, and an unsynced appended tail may survive in part (a torn write).
/// It also stops at a chosen operation (<see cref="CrashAtOperation"/>) and fails chosen fsyncs
/// (<see cref="FailFlush"/>), which is how the tests and the simulator inject crashes and disk errors.
/// Thread-safe: the WAL's flusher and the test thread use it at once.
/// </summary>
internal sealed class SimulatedFileSystem : IFileSystem
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Inode> files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Inode> durableFiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> directories = new(StringComparer.Ordinal);

    /// <summary>How many mutating operations (create, write, truncate, fsync, delete, rename, directory fsync) ran.</summary>
    public long OperationCount { get; private set; }

    /// <summary>How many file fsyncs (<see cref="IFileHandle.Flush"/>) ran.</summary>
    public long FlushCount { get; private set; }

    /// <summary>How many directory fsyncs ran.</summary>
    public long DirectorySyncCount { get; private set; }

    /// <summary>
    /// When set, the mutating operation with this 1-based number does not happen: the disk "crashes" instead
    /// (<see cref="SimulatedCrashException"/>), and every later operation throws the same way.
    /// </summary>
    public long? CrashAtOperation { get; set; }

    /// <summary>True once the disk has crashed.</summary>
    public bool Crashed { get; private set; }

    /// <summary>When it returns true for a path, that file's fsync fails with an <see cref="IOException"/>.</summary>
    public Func<string, bool>? FailFlush { get; set; }

    /// <summary>Called (outside the disk's lock) before each file fsync; tests use it to hold an fsync open.</summary>
    public Action<string>? BeforeFlush { get; set; }

    /// <inheritdoc/>
    public void CreateDirectory(string directory)
    {
        lock (gate)
        {
            ThrowIfCrashed();

            // Why durable at once: the storage layer creates its directories once at start, before any write.
            directories.Add(Normalize(directory));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> ListFiles(string directory)
    {
        lock (gate)
        {
            ThrowIfCrashed();
            var dir = Normalize(directory);
            return files.Keys.Where(p => DirectoryOf(p) == dir).Select(p => p[(dir.Length + 1)..]).Order(StringComparer.Ordinal).ToArray();
        }
    }

    /// <inheritdoc/>
    public bool FileExists(string path)
    {
        lock (gate)
        {
            ThrowIfCrashed();
            return files.ContainsKey(Normalize(path));
        }
    }

    /// <inheritdoc/>
    public IFileHandle Open(string path, bool createNew)
    {
        lock (gate)
        {
            var p = Normalize(path);
            if (createNew)
            {
                Step();
                if (files.ContainsKey(p))
                {
                    throw new IOException($"file exists: {p}");
                }

                if (!directories.Contains(DirectoryOf(p)))
                {
                    throw new DirectoryNotFoundException($"no directory for {p}");
                }

                var inode = new Inode();
                files[p] = inode;
                return new Handle(this, p, inode, writable: true);
            }

            ThrowIfCrashed();
            return files.TryGetValue(p, out var existing)
                ? new Handle(this, p, existing, writable: true)
                : throw new FileNotFoundException($"no such file: {p}", p);
        }
    }

    /// <inheritdoc/>
    public IFileHandle OpenRead(string path)
    {
        lock (gate)
        {
            ThrowIfCrashed();
            var p = Normalize(path);
            return files.TryGetValue(p, out var existing)
                ? new Handle(this, p, existing, writable: false)
                : throw new FileNotFoundException($"no such file: {p}", p);
        }
    }

    /// <inheritdoc/>
    public void Delete(string path)
    {
        lock (gate)
        {
            Step();
            files.Remove(Normalize(path));
        }
    }

    /// <inheritdoc/>
    public void Rename(string source, string destination)
    {
        lock (gate)
        {
            Step();
            var s = Normalize(source);
            if (!files.Remove(s, out var inode))
            {
                throw new FileNotFoundException($"no such file: {s}", s);
            }

            files[Normalize(destination)] = inode;
        }
    }

    /// <inheritdoc/>
    public void SyncDirectory(string directory)
    {
        lock (gate)
        {
            Step();
            DirectorySyncCount++;
            var dir = Normalize(directory);
            foreach (var p in durableFiles.Keys.Where(p => DirectoryOf(p) == dir).ToArray())
            {
                durableFiles.Remove(p);
            }

            foreach (var (p, inode) in files.Where(kv => DirectoryOf(kv.Key) == dir))
            {
                durableFiles[p] = inode;
            }
        }
    }

    /// <summary>
    /// The disk as a restarted process finds it. With <paramref name="powerLoss"/> false (the process died,
    /// the kernel did not) every write survives. With it true only synced state survives, and when
    /// <paramref name="tear"/> is given, a file whose unsynced changes are pure appends keeps a random prefix of them.
    /// </summary>
    public SimulatedFileSystem AfterCrash(bool powerLoss, Random? tear = null)
    {
        lock (gate)
        {
            var next = new SimulatedFileSystem();
            next.directories.UnionWith(directories);
            var source = powerLoss ? durableFiles : files;
            foreach (var (p, inode) in source.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                byte[] content;
                if (!powerLoss)
                {
                    content = inode.Data.AsSpan(0, inode.Length).ToArray();
                }
                else if (inode.DurableCopy is { } copy)
                {
                    content = copy;
                }
                else
                {
                    var keep = inode.DurableLength;
                    if (tear is not null && inode.Length > inode.DurableLength)
                    {
                        keep += tear.Next(0, inode.Length - inode.DurableLength + 1);
                    }

                    content = inode.Data.AsSpan(0, keep).ToArray();
                }

                var fresh = new Inode();
                fresh.Replace(content);
                next.files[p] = fresh;
                next.durableFiles[p] = fresh;
            }

            return next;
        }
    }

    /// <summary>A copy of a file's current content (test helper; not an operation).</summary>
    public byte[] ReadAllBytes(string path)
    {
        lock (gate)
        {
            var inode = files[Normalize(path)];
            return inode.Data.AsSpan(0, inode.Length).ToArray();
        }
    }

    /// <summary>Replaces a file's content, durably (test helper to plant corruption; not an operation).</summary>
    public void WriteAllBytes(string path, byte[] content)
    {
        lock (gate)
        {
            var p = Normalize(path);
            if (!files.TryGetValue(p, out var inode))
            {
                inode = new Inode();
                files[p] = inode;
            }

            inode.Replace(content);
            durableFiles[p] = inode;
        }
    }

    private static string Normalize(string path) => Path.TrimEndingDirectorySeparator(path);

    private static string DirectoryOf(string path) => Path.GetDirectoryName(path) ?? string.Empty;

    private void ThrowIfCrashed()
    {
        if (Crashed)
        {
            throw new SimulatedCrashException("the simulated disk has crashed");
        }
    }

    // Counts a mutating operation and crashes instead of performing it when it is the chosen one.
    private void Step()
    {
        ThrowIfCrashed();
        OperationCount++;
        if (CrashAtOperation is { } at && OperationCount >= at)
        {
            Crashed = true;
            throw new SimulatedCrashException($"simulated crash at operation {OperationCount}");
        }
    }

    private sealed class Inode
    {
        public byte[] Data = [];
        public int Length;

        // The durable content is Data[..DurableLength] as long as DurableCopy is null: only appends have happened
        // since the last fsync. An overwrite or a truncation below the durable length first copies it out.
        public int DurableLength;
        public byte[]? DurableCopy;

        public void Replace(byte[] content)
        {
            Data = content.ToArray();
            Length = content.Length;
            DurableLength = content.Length;
            DurableCopy = null;
        }

        public void PreserveDurableBefore(long offset)
        {
            if (DurableCopy is null && offset < DurableLength)
            {
                DurableCopy = Data.AsSpan(0, DurableLength).ToArray();
            }
        }

        public void EnsureCapacity(long length)
        {
            if (length > Array.MaxLength)
            {
                throw new IOException("simulated file too large");
            }

            if (length > Data.Length)
            {
                Array.Resize(ref Data, (int)Math.Max(length, Math.Min(Array.MaxLength, Math.Max(4096L, Data.Length * 2L))));
            }
        }
    }

    private sealed class Handle(SimulatedFileSystem fs, string path, Inode inode, bool writable) : IFileHandle
    {
        private bool disposed;

        public long Length
        {
            get
            {
                lock (fs.gate)
                {
                    Check();
                    return inode.Length;
                }
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (fs.gate)
            {
                Check();
                if (offset >= inode.Length)
                {
                    return 0;
                }

                var n = (int)Math.Min(buffer.Length, inode.Length - offset);
                inode.Data.AsSpan((int)offset, n).CopyTo(buffer);
                return n;
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (fs.gate)
            {
                CheckWritable();
                fs.Step();
                inode.PreserveDurableBefore(offset);
                var end = offset + data.Length;
                inode.EnsureCapacity(end);
                if (offset > inode.Length)
                {
                    inode.Data.AsSpan(inode.Length, (int)(offset - inode.Length)).Clear();
                }

                data.CopyTo(inode.Data.AsSpan((int)offset));
                inode.Length = (int)Math.Max(inode.Length, end);
            }
        }

        public void SetLength(long length)
        {
            lock (fs.gate)
            {
                CheckWritable();
                fs.Step();
                inode.PreserveDurableBefore(length);
                inode.EnsureCapacity(length);
                if (length > inode.Length)
                {
                    inode.Data.AsSpan(inode.Length, (int)(length - inode.Length)).Clear();
                }

                inode.Length = (int)length;
            }
        }

        public void Flush()
        {
            lock (fs.gate)
            {
                CheckWritable();
            }

            fs.BeforeFlush?.Invoke(path);
            lock (fs.gate)
            {
                fs.Step();
                fs.FlushCount++;
                if (fs.FailFlush?.Invoke(path) == true)
                {
                    throw new IOException($"simulated fsync failure on {path}");
                }

                inode.DurableLength = inode.Length;
                inode.DurableCopy = null;
            }
        }

        public void Dispose() => disposed = true;

        private void Check()
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            fs.ThrowIfCrashed();
        }

        private void CheckWritable()
        {
            Check();
            if (!writable)
            {
                throw new InvalidOperationException($"{path} is open for reading only");
            }
        }
    }
}
