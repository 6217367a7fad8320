namespace Grey.Region.Storage;

/// <summary>
/// The region's durable store: an append-only log of accepted signed deltas (segments of checksummed
/// records) and checkpoints of the merged state. <see cref="Append"/> writes a record; <see cref="Sync"/>
/// makes every record written so far durable with one fsync (group commit). <see cref="WriteCheckpoint"/>
/// writes the state (temp file, fsync, rename, directory fsync), starts a new segment and deletes what the
/// checkpoint covers. Not thread-safe: the region serialises calls.
/// </summary>
internal sealed class RegionStore : IDisposable
{
    private readonly IRegionFileSystem _fs;
    private IRegionFile? _segment;
    private string _segmentName = string.Empty;
    private bool _dirty;

    private RegionStore(IRegionFileSystem fs) => _fs = fs;

    /// <summary>The sequence number the next record gets.</summary>
    public ulong NextSequence { get; private set; } = 1;

    /// <summary>Records appended since the last checkpoint.</summary>
    public long RecordsSinceCheckpoint { get; private set; }

    /// <summary>Record bytes appended since the last checkpoint.</summary>
    public long BytesSinceCheckpoint { get; private set; }

    /// <summary>File fsyncs done (log and checkpoint files).</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    private long _fsyncs;

    /// <summary>Bytes cut from a torn log tail when the store was opened.</summary>
    public long TornBytesCut { get; private set; }

    /// <summary>
    /// Opens the store: hands the newest checkpoint's state (when there is one) to <paramref name="loadCheckpoint"/>,
    /// then every logged delta after it to <paramref name="replay"/> in sequence order. Cuts a torn tail off the last segment;
    /// throws <see cref="StoreCorruptException"/> for damage anywhere else.
    /// </summary>
    public static RegionStore Open(IRegionFileSystem fs, Action<byte[]> loadCheckpoint, Action<LoggedDelta> replay)
    {
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentNullException.ThrowIfNull(loadCheckpoint);
        ArgumentNullException.ThrowIfNull(replay);
        var store = new RegionStore(fs);
        IReadOnlyList<string> names = fs.List();
        foreach (string tmp in names.Where(n => n.EndsWith(".tmp", StringComparison.Ordinal)))
        {
            fs.Delete(tmp);
        }

        var checkpoints = new List<(ulong Seq, string Name)>();
        var segments = new List<(ulong First, string Name)>();
        foreach (string n in names)
        {
            if (StoreFormat.TryParseName(n, "ckpt-", ".grc", out ulong c))
            {
                checkpoints.Add((c, n));
            }
            else if (StoreFormat.TryParseName(n, "log-", ".grl", out ulong s))
            {
                segments.Add((s, n));
            }
        }

        checkpoints.Sort();
        segments.Sort();
        ulong covered = 1;
        if (checkpoints.Count > 0)
        {
            (ulong seq, string name) = checkpoints[^1];
            byte[] state = StoreFormat.DecodeCheckpoint(fs.ReadAll(name), seq, out string problem)
                ?? throw new StoreCorruptException(name, 0, problem);
            loadCheckpoint(state);
            covered = seq;
        }

        ulong expected = covered;
        for (int i = 0; i < segments.Count; i++)
        {
            (ulong first, string name) = segments[i];
            bool last = i == segments.Count - 1;
            byte[] bytes = fs.ReadAll(name);
            string? headerProblem = StoreFormat.CheckSegmentHeader(bytes, first);
            if (headerProblem is not null)
            {
                // A segment whose header never became durable can only be the newest one, created just
                // before a crash: it holds no record yet, so it is dropped and made again.
                if (last && bytes.Length < StoreFormat.SegmentHeaderBytes)
                {
                    fs.Delete(name);
                    fs.SyncDirectory();
                    segments.RemoveAt(i);
                    break;
                }

                throw new StoreCorruptException(name, 0, headerProblem);
            }

            int offset = StoreFormat.SegmentHeaderBytes;
            while (true)
            {
                StoreFormat.ReadStatus status = StoreFormat.ReadRecord(bytes, offset, out LoggedDelta? record, out int next, out string problem);
                if (status == StoreFormat.ReadStatus.End)
                {
                    break;
                }

                if (status == StoreFormat.ReadStatus.Torn && last)
                {
                    using IRegionFile f = fs.OpenAppend(name);
                    f.Truncate(offset);
                    f.Sync();
                    store.TornBytesCut = bytes.Length - offset;
                    break;
                }

                if (status != StoreFormat.ReadStatus.Record)
                {
                    throw new StoreCorruptException(name, offset, problem);
                }

                if (record!.Sequence >= covered)
                {
                    if (record.Sequence != expected)
                    {
                        throw new StoreCorruptException(name, offset, $"record sequence {record.Sequence}, expected {expected}");
                    }

                    replay(record);
                    expected++;
                    store.RecordsSinceCheckpoint++;
                    store.BytesSinceCheckpoint += next - offset;
                }

                offset = next;
            }
        }

        store.NextSequence = expected;
        if (segments.Count > 0 && segments[^1].First <= expected)
        {
            store._segmentName = segments[^1].Name;
            store._segment = fs.OpenAppend(store._segmentName);
        }
        else
        {
            store.StartSegment(expected);
        }

        return store;
    }

    /// <summary>Writes a record for an accepted delta (not yet durable: call <see cref="Sync"/>).</summary>
    public ulong Append(string signerSite, byte[] certificate, ReadOnlySpan<byte> wire)
    {
        IRegionFile segment = _segment ?? throw new ObjectDisposedException(nameof(RegionStore));
        ulong seq = NextSequence;
        byte[] head = StoreFormat.EncodeDeltaRecordHead(seq, signerSite, certificate, wire);
        segment.Append(head);
        segment.Append(wire);
        NextSequence++;
        RecordsSinceCheckpoint++;
        BytesSinceCheckpoint += head.Length + wire.Length;
        _dirty = true;
        return seq;
    }

    /// <summary>Makes every appended record durable: one fsync for all of them (group commit).</summary>
    public void Sync()
    {
        if (!_dirty)
        {
            return;
        }

        (_segment ?? throw new ObjectDisposedException(nameof(RegionStore))).Sync();
        Interlocked.Increment(ref _fsyncs);
        _dirty = false;
    }

    /// <summary>
    /// Makes <paramref name="state"/> (the encoded merged state, covering every record appended so far)
    /// the new base: both halves at once (<see cref="BeginCheckpoint"/>: a new segment started;
    /// <see cref="CompleteCheckpoint"/>: the checkpoint file written and made durable, the segments and checkpoints it
    /// replaces deleted).
    /// </summary>
    public void WriteCheckpoint(ReadOnlySpan<byte> state)
    {
        if (state.Length > StoreFormat.MaxCheckpointState)
        {
            throw new ArgumentException($"state of {state.Length} bytes beyond {StoreFormat.MaxCheckpointState}", nameof(state));
        }

        CompleteCheckpoint(BeginCheckpoint(), state);
    }

    /// <summary>
    /// The first half of a checkpoint taken in two steps: makes the log durable, starts a new segment at the returned
    /// sequence (records appended from now on go there) and restarts the counts. Until
    /// <see cref="CompleteCheckpoint"/> for that sequence has returned, the older checkpoint and segments stay, so a
    /// crash in between reopens from them and replays every segment, the new one included.
    /// </summary>
    public ulong BeginCheckpoint()
    {
        Sync();
        ulong seq = NextSequence;
        _segment?.Dispose();
        _segment = null;
        StartSegment(seq);
        RecordsSinceCheckpoint = 0;
        BytesSinceCheckpoint = 0;
        return seq;
    }

    /// <summary>
    /// The second half: writes <paramref name="state"/> (the merged state covering every record below
    /// <paramref name="sequence"/>, and nothing after) as the checkpoint of that sequence, then deletes the segments
    /// and checkpoints it replaces. May run on another thread than appends and syncs: it touches only the checkpoint
    /// file and files older than the current segment. One at a time.
    /// </summary>
    public void CompleteCheckpoint(ulong sequence, ReadOnlySpan<byte> state)
    {
        if (state.Length > StoreFormat.MaxCheckpointState)
        {
            throw new ArgumentException($"state of {state.Length} bytes beyond {StoreFormat.MaxCheckpointState}", nameof(state));
        }

        string name = StoreFormat.CheckpointName(sequence);
        string tmp = name + ".tmp";
        using (IRegionFile f = _fs.OpenAppend(tmp))
        {
            f.Truncate(0);
            f.Append(StoreFormat.EncodeCheckpoint(sequence, state));
            f.Sync();
            Interlocked.Increment(ref _fsyncs);
        }

        _fs.Rename(tmp, name);
        _fs.SyncDirectory();
        foreach (string old in _fs.List())
        {
            bool oldCheckpoint = StoreFormat.TryParseName(old, "ckpt-", ".grc", out ulong c) && c < sequence;
            bool oldSegment = StoreFormat.TryParseName(old, "log-", ".grl", out ulong s) && s < sequence;
            if (oldCheckpoint || oldSegment)
            {
                _fs.Delete(old);
            }
        }

        _fs.SyncDirectory();
    }

    public void Dispose()
    {
        _segment?.Dispose();
        _segment = null;
    }

    private void StartSegment(ulong first)
    {
        _segmentName = StoreFormat.SegmentName(first);
        _segment = _fs.OpenAppend(_segmentName);
        _segment.Truncate(0);
        _segment.Append(StoreFormat.SegmentHeader(first));
        _segment.Sync();
        Interlocked.Increment(ref _fsyncs);
        _fs.SyncDirectory();
    }
}
