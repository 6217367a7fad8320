using System.Threading.Channels;
using Grey.Edge.Storage.Files;
using Grey.Raft;

namespace Grey.Edge.Storage.Wal;

/// <summary>
/// The write-ahead log of one node: segment files of checksummed records holding Raft entries, hard states
/// and snapshot markers. Every operation is durable (fsynced) when its task completes; operations that
/// arrive while an fsync is running share the next one (group commit). All file writes happen on one
/// background writer, in the order the operations were accepted; callers may call from any thread.
/// <para>
/// Any write or fsync failure makes the log fail for good: the pending operations and every later call
/// throw <see cref="WalFailedException"/>, because after a failed fsync the kernel may have dropped the
/// dirty pages and nothing written since the last good fsync can be trusted. The node must stop.
/// </para>
/// </summary>
internal sealed partial class WriteAheadLog : IAsyncDisposable
{
    private readonly IFileSystem fileSystem;
    private readonly string directory;
    private readonly WalOptions options;
    private readonly TimeProvider time;
    private readonly Channel<Operation> queue = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim slots;
    private readonly Lock gate = new();
    private readonly List<WalSegmentInfo> segments;
    private readonly WalWriterMode writerMode;
    private Task? writer;

    // Inline mode: 1 while some caller's thread is writing (it owns the writer state and the queue's reading end).
    private int writing;
    private readonly List<Operation> inlineBatch = [];

    // What callers have enqueued so far (guarded by gate): appends are checked against it.
    private ulong acceptedFloor;
    private ulong acceptedLast;

    private volatile Exception? failure;
    private bool disposed;
    private long fsyncCount;
    private long fsyncTicks;
    private long operationCount;
    private long groupCount;

    private WriteAheadLog(
        IFileSystem fileSystem,
        string directory,
        WalOptions options,
        TimeProvider time,
        WalRecoveredState recovered,
        List<WalSegmentInfo> segments,
        ulong nextSequence,
        WalWriterMode writerMode)
    {
        this.writerMode = writerMode;
        this.fileSystem = fileSystem;
        this.directory = directory;
        this.options = options;
        this.time = time;
        this.segments = segments;
        this.nextSequence = nextSequence;
        slots = new SemaphoreSlim(options.MaxPendingOperations, options.MaxPendingOperations);
        acceptedFloor = recovered.Floor;
        acceptedLast = recovered.Floor + (ulong)recovered.Entries.Count;
        writerFloor = recovered.Floor;
        writerFloorTerm = recovered.FloorTerm;
        writerLast = acceptedLast;
        writerHardState = recovered.HardState;
    }

    /// <summary>File fsyncs done since opening (segment data; directory fsyncs are not counted).</summary>
    public long FsyncCount => Interlocked.Read(ref fsyncCount);

    /// <summary>Total time spent inside segment fsyncs since opening (for the fsync latency metric).</summary>
    public TimeSpan FsyncTime => System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref fsyncTicks));

    /// <summary>Operations made durable since opening.</summary>
    public long OperationCount => Interlocked.Read(ref operationCount);

    /// <summary>Group commits (batches of operations sharing one write pass) since opening.</summary>
    public long GroupCount => Interlocked.Read(ref groupCount);

    /// <summary>Whether a background task writes, or the owner through <see cref="Pump"/>.</summary>
    public WalWriterMode WriterMode => writerMode;

    /// <summary>The failure that stopped the log, or null while it works.</summary>
    public Exception? Failure => failure;

    /// <summary>The segments on disk, oldest first.</summary>
    public IReadOnlyList<WalSegmentInfo> Segments
    {
        get
        {
            lock (gate)
            {
                return segments.ToArray();
            }
        }
    }

    /// <summary>
    /// Appends entries and/or a hard state. Entries must be consecutive; the first may be at or below the
    /// last accepted index (it then replaces that suffix: a new leader overwrote this follower) but must be
    /// above the compaction floor. Completes when the records are on disk and, with <paramref name="sync"/>,
    /// fsynced. Waits for a slot when <see cref="WalOptions.MaxPendingOperations"/> operations are pending.
    /// </summary>
    public async ValueTask AppendAsync(IReadOnlyList<Entry> entries, HardState? hardState, bool sync = true, CancellationToken cancellationToken = default)
    {
        await AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        var durable = EnqueueAppend(entries, hardState, sync);
        WriteQueued();
        await durable.ConfigureAwait(false);
    }

    /// <summary>Waits for a free slot in the pending-operation queue. Pair with one Enqueue call.</summary>
    public async ValueTask AcquireSlotAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gives back a slot taken by <see cref="AcquireSlotAsync"/> that will not be used.</summary>
    public void ReleaseSlot() => slots.Release();

    /// <summary>
    /// Enqueues an append with a slot already taken by <see cref="AcquireSlotAsync"/>; the returned task
    /// completes when it is durable. Validation happens here, synchronously, so that callers can keep their
    /// own in-memory state in the same order as the log.
    /// </summary>
    public Task EnqueueAppend(IReadOnlyList<Entry> entries, HardState? hardState, bool sync)
    {
        ArgumentNullException.ThrowIfNull(entries);
        try
        {
            var op = EncodeAppend(entries, hardState, sync);
            lock (gate)
            {
                ThrowIfUnusable();
                if (entries.Count > 0)
                {
                    if (entries[0].Index <= acceptedFloor)
                    {
                        throw new ArgumentException($"entry {entries[0].Index} is at or below the compaction floor {acceptedFloor}", nameof(entries));
                    }

                    if (entries[0].Index > acceptedLast + 1)
                    {
                        throw new ArgumentException($"entry {entries[0].Index} leaves a gap after the last index {acceptedLast}", nameof(entries));
                    }

                    acceptedLast = entries[^1].Index;
                }

                Enqueue(op);
            }

            return op.Completion.Task;
        }
        catch
        {
            slots.Release();
            throw;
        }
    }

    /// <summary>
    /// Records that the log is compacted through <paramref name="index"/> (whose entry has <paramref name="term"/>),
    /// makes that durable, then deletes the segments no longer needed to replay the log. Compacting at or below
    /// the current floor does nothing.
    /// </summary>
    public async ValueTask CompactAsync(ulong index, ulong term, CancellationToken cancellationToken = default)
    {
        await AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        var durable = EnqueueCompact(index, term);
        WriteQueued();
        await durable.ConfigureAwait(false);
    }

    /// <summary>Enqueues a compaction with a slot already taken.</summary>
    public Task EnqueueCompact(ulong index, ulong term)
    {
        try
        {
            lock (gate)
            {
                ThrowIfUnusable();
                if (index <= acceptedFloor)
                {
                    slots.Release();
                    return Task.CompletedTask;
                }

                if (index > acceptedLast)
                {
                    throw new ArgumentOutOfRangeException(nameof(index), $"compaction index {index} is past the last index {acceptedLast}");
                }

                acceptedFloor = index;
                var op = new MarkerOperation(WalRecordType.Compacted, index, term, null);
                Enqueue(op);
                return op.Completion.Task;
            }
        }
        catch
        {
            slots.Release();
            throw;
        }
    }

    /// <summary>
    /// Records that a snapshot at (<paramref name="index"/>, <paramref name="term"/>) replaced the whole log: a new
    /// segment starts with a reset marker and <paramref name="hardState"/>, and every older segment is deleted.
    /// </summary>
    public async ValueTask ResetAsync(ulong index, ulong term, HardState hardState, CancellationToken cancellationToken = default)
    {
        await AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        var durable = EnqueueReset(index, term, hardState);
        WriteQueued();
        await durable.ConfigureAwait(false);
    }

    /// <summary>Enqueues a snapshot reset with a slot already taken.</summary>
    public Task EnqueueReset(ulong index, ulong term, HardState hardState)
    {
        try
        {
            lock (gate)
            {
                ThrowIfUnusable();
                if (index < acceptedFloor)
                {
                    throw new ArgumentOutOfRangeException(nameof(index), $"snapshot index {index} is below the compaction floor {acceptedFloor}");
                }

                acceptedFloor = index;
                acceptedLast = index;
                var op = new MarkerOperation(WalRecordType.SnapshotReset, index, term, hardState);
                Enqueue(op);
                return op.Completion.Task;
            }
        }
        catch
        {
            slots.Release();
            throw;
        }
    }

    /// <summary>Stops accepting operations, lets the pending ones finish and closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            queue.Writer.TryComplete();
        }

        if (writer is not null)
        {
            await writer.ConfigureAwait(false);
        }
        else if (writerMode == WalWriterMode.Inline)
        {
            // A caller may be writing right now: wait until it is done, then write what is left, as it would have.
            while (Interlocked.CompareExchange(ref writing, 1, 0) != 0)
            {
                await Task.Delay(1).ConfigureAwait(false);
            }

            for (TakeBatch(inlineBatch); inlineBatch.Count > 0; TakeBatch(inlineBatch))
            {
                ProcessBatch(inlineBatch);
            }
        }
        else
        {
            // Manual mode: what was accepted is still written, as the background writer would have.
            var batch = new List<Operation>();
            for (TakeBatch(batch); batch.Count > 0; TakeBatch(batch))
            {
                ProcessBatch(batch);
            }
        }

        current?.Dispose();
        current = null;
        slots.Dispose();
    }

    /// <summary>
    /// With <see cref="WalWriterMode.Manual"/>: writes every operation queued so far as one group commit, on
    /// the calling thread, and completes their tasks. Returns how many operations it processed. The tasks
    /// returned by the Enqueue methods are complete when it returns (the async wrappers complete on their
    /// continuations). The deterministic simulator calls it at the simulated moment the disk finishes a write.
    /// </summary>
    public int Pump()
    {
        if (writerMode != WalWriterMode.Manual)
        {
            throw new InvalidOperationException("Pump is only for a WAL opened with WalWriterMode.Manual");
        }

        var batch = new List<Operation>();
        var total = 0;
        while (true)
        {
            TakeBatch(batch);
            if (batch.Count == 0)
            {
                return total;
            }

            total += batch.Count;
            ProcessBatch(batch);
        }
    }

    /// <summary>
    /// With <see cref="WalWriterMode.Inline"/>: writes every queued operation on the calling thread (one fsync per
    /// batch), unless another thread is already writing, which then takes them along. Call it after an Enqueue
    /// method, outside any lock of the caller's: it may fsync. Does nothing in the other modes.
    /// </summary>
    public void WriteQueued()
    {
        if (writerMode != WalWriterMode.Inline)
        {
            return;
        }

        // The writer re-checks the queue after giving up the flag: an operation queued while it was finishing
        // (whose caller saw the flag taken and left) is then written by it or by a later caller, never stranded.
        while (queue.Reader.TryPeek(out _) && Interlocked.CompareExchange(ref writing, 1, 0) == 0)
        {
            try
            {
                for (TakeBatch(inlineBatch); inlineBatch.Count > 0; TakeBatch(inlineBatch))
                {
                    ProcessBatch(inlineBatch);
                }
            }
            finally
            {
                inlineBatch.Clear();
                Volatile.Write(ref writing, 0);
            }
        }
    }

    private void Start()
    {
        if (writerMode == WalWriterMode.Background)
        {
            writer = Task.Run(WriteLoopAsync);
        }
    }

    private void Enqueue(Operation op)
    {
        if (!queue.Writer.TryWrite(op))
        {
            throw new ObjectDisposedException(nameof(WriteAheadLog));
        }
    }

    private void ThrowIfUnusable()
    {
        if (failure is { } f)
        {
            throw new WalFailedException($"the WAL failed earlier and accepts nothing more: {f.Message}", f);
        }

        ObjectDisposedException.ThrowIf(disposed, this);
    }

    private AppendOperation EncodeAppend(IReadOnlyList<Entry> entries, HardState? hardState, bool sync)
    {
        var size = hardState is null ? 0 : WalRecordCodec.HardStateSize;
        for (var i = 0; i < entries.Count; i++)
        {
            var recordSize = WalRecordCodec.EntrySize(entries[i]);
            if (recordSize > options.MaxRecordBytes)
            {
                throw new ArgumentException($"entry {entries[i].Index} needs a {recordSize}-byte record, more than the maximum record size {options.MaxRecordBytes}", nameof(entries));
            }

            if (entries[i].Index == 0 || (i > 0 && entries[i].Index != entries[i - 1].Index + 1))
            {
                throw new ArgumentException($"entries must have consecutive non-zero indexes (entry {i} has {entries[i].Index})", nameof(entries));
            }

            size += recordSize;
        }

        var buffer = new byte[size];
        var recordCount = entries.Count + (hardState is null ? 0 : 1);
        var ends = new int[recordCount];
        var indexes = new ulong[recordCount];
        var at = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            at += WalRecordCodec.WriteEntry(buffer.AsSpan(at), entries[i]);
            ends[i] = at;
            indexes[i] = entries[i].Index;
        }

        if (hardState is { } hs)
        {
            at += WalRecordCodec.WriteHardState(buffer.AsSpan(at), hs);
            ends[^1] = at;
        }

        return new AppendOperation(buffer, ends, indexes, hardState, sync);
    }

    private abstract class Operation
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // Records pre-encoded by the caller; RecordIndexes[i] is the entry index of record i, or 0 for the hard state.
    private sealed class AppendOperation(byte[] buffer, int[] recordEnds, ulong[] recordIndexes, HardState? hardState, bool sync) : Operation
    {
        public byte[] Buffer { get; } = buffer;

        public int[] RecordEnds { get; } = recordEnds;

        public ulong[] RecordIndexes { get; } = recordIndexes;

        public HardState? HardState { get; } = hardState;

        public bool Sync { get; } = sync;
    }

    private sealed class MarkerOperation(WalRecordType type, ulong index, ulong term, HardState? hardState) : Operation
    {
        public WalRecordType Type { get; } = type;

        public ulong Index { get; } = index;

        public ulong Term { get; } = term;

        public HardState? HardState { get; } = hardState;
    }
}
