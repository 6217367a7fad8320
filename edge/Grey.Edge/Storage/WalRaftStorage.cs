using Grey.Edge.Storage.Files;
using Grey.Edge.Storage.Snapshots;
using Grey.Edge.Storage.Wal;
using Grey.Raft;

namespace Grey.Edge.Storage;

/// <summary>
/// The node's durable <see cref="IRaftStorage"/>: the entries of the retained window and the hard state in
/// memory for reads, the <see cref="WriteAheadLog"/> for durability, and a <see cref="SnapshotStore"/>.
/// It behaves as <see cref="MemoryStorage"/> does (same reads, same errors), except that every write is
/// durable when its task completes, compaction needs a durable snapshot at or above its index, and it
/// holds compaction back for the retention hook.
/// <para>
/// How the node loop uses it (G1): for each Ready, first <see cref="ApplySnapshotAsync"/> when the Ready
/// carries a snapshot, then one <see cref="AppendAsync"/> with the Ready's entries and hard state (one
/// fsync covers both, and covers the appends of other callers that arrived meanwhile), and only after that
/// task completes send the Ready's messages: a vote or an append acknowledgement leaves the node only once
/// the term, vote and entries it vouches for are on disk. If any write fails the task throws
/// <see cref="WalFailedException"/> and so does every later write: the node must stop, not answer.
/// </para>
/// <para>
/// In-memory state changes when a write is accepted (before it is durable), in the same order as the
/// log, so that the node's reads see its own appends; a failed write means the node stops, so nothing
/// reads that state after it.
/// </para>
/// </summary>
internal sealed class WalRaftStorage : IRaftStorage, IAsyncDisposable
{
    /// <summary>
    /// Per-entry overhead charged by <see cref="Entries"/> on top of the payload when it limits by bytes; the same
    /// as Grey.Raft's internal Entry.OverheadBytes, so this storage pages exactly as <see cref="MemoryStorage"/>.
    /// </summary>
    internal const ulong EntryOverheadBytes = 24;

    private readonly Lock gate = new();
    private readonly WriteAheadLog wal;
    private readonly SnapshotStore snapshots;
    private readonly ILogRetention retention;
    private readonly TimeProvider time;
    private readonly EdgeStorageOptions options;

    // The log is the entries in (floor, floor + entries.Count]; floorTerm is the term at floor.
    private readonly List<Entry> entries = [];
    private readonly List<DateTimeOffset> writtenNoLaterThan = [];
    private ulong floor;
    private ulong floorTerm;
    private HardState hardState;
    private Snapshot snapshot;

    private WalRaftStorage(
        WriteAheadLog wal,
        SnapshotStore snapshots,
        ILogRetention retention,
        TimeProvider time,
        EdgeStorageOptions options,
        WalRecoveredState recovered,
        Snapshot snapshot)
    {
        this.wal = wal;
        this.snapshots = snapshots;
        this.retention = retention;
        this.time = time;
        this.options = options;
        this.snapshot = snapshot;
        floor = recovered.Floor;
        floorTerm = recovered.FloorTerm;
        entries.AddRange(recovered.Entries);
        writtenNoLaterThan.AddRange(recovered.WrittenNoLaterThan);
        hardState = recovered.HardState;
        Recovery = recovered.Report;
    }

    /// <summary>What opening the WAL found and repaired (a torn tail cut, a torn segment removed).</summary>
    public WalRecoveryReport Recovery { get; }

    /// <summary>The WAL underneath, for its counters (fsyncs, group commits) and segments.</summary>
    public WriteAheadLog Log => wal;

    /// <summary>The hard state last written.</summary>
    public HardState HardState
    {
        get
        {
            lock (gate)
            {
                return hardState;
            }
        }
    }

    /// <summary>
    /// Opens the storage in <paramref name="directory"/> (subdirectories <c>wal</c> and <c>snap</c>): loads the
    /// newest snapshot, replays the WAL, and reconciles them. Throws <see cref="WalCorruptionException"/> or
    /// <see cref="SnapshotCorruptionException"/> when the disk holds damage a crash cannot explain. With
    /// <paramref name="writerMode"/> <see cref="WalWriterMode.Manual"/> (the simulator), write tasks complete only
    /// when the owner calls <see cref="WriteAheadLog.Pump"/> on <see cref="Log"/>. By default
    /// (<see cref="WalWriterMode.Inline"/>) the caller's thread writes: the node loop's append completes without a
    /// thread hop.
    /// </summary>
    public static async Task<WalRaftStorage> OpenAsync(
        IFileSystem fileSystem,
        string directory,
        EdgeStorageOptions options,
        ILogRetention retention,
        TimeProvider time,
        CancellationToken cancellationToken = default,
        WalWriterMode writerMode = WalWriterMode.Inline)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(retention);
        ArgumentNullException.ThrowIfNull(time);
        options.ThrowIfInvalid();
        fileSystem.CreateDirectory(directory);
        var store = new SnapshotStore(fileSystem, Path.Combine(directory, "snap"), options.SnapshotsKept, options.MaxSnapshotBytes);
        var latest = store.LoadLatest() ?? Grey.Raft.Snapshot.Empty;
        var wal = WriteAheadLog.Open(fileSystem, Path.Combine(directory, "wal"), options.Wal, time, out var recovered, writerMode);
        try
        {
            if (recovered.Floor > latest.Metadata.Index)
            {
                throw new WalCorruptionException(
                    wal.Segments[0].Path,
                    0,
                    $"the log is compacted through {recovered.Floor}, but the newest snapshot is at {latest.Metadata.Index}: the state between is lost");
            }

            var storage = new WalRaftStorage(wal, store, retention, time, options, recovered, latest);
            await storage.ReconcileSnapshotAsync(cancellationToken).ConfigureAwait(false);
            return storage;
        }
        catch
        {
            await wal.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public (HardState HardState, ConfState ConfState) InitialState()
    {
        lock (gate)
        {
            return (hardState, snapshot.Metadata.ConfState);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<Entry> Entries(ulong lo, ulong hi, ulong maxBytes)
    {
        lock (gate)
        {
            if (lo > hi)
            {
                throw new ArgumentException($"invalid range [{lo}, {hi})");
            }

            if (lo <= floor)
            {
                throw new RaftStorageException(StorageError.Compacted, $"storage: index {lo} is compacted (first is {floor + 1})");
            }

            if (hi > LastIndexLocked() + 1)
            {
                throw new RaftStorageException(StorageError.Unavailable, $"storage: index {hi - 1} is past the last index {LastIndexLocked()}");
            }

            var result = new List<Entry>();
            ulong size = 0;
            for (var i = lo; i < hi; i++)
            {
                var entry = entries[(int)(i - floor - 1)];
                size += (ulong)entry.Data.Length + EntryOverheadBytes;
                if (result.Count > 0 && size > maxBytes)
                {
                    break;
                }

                result.Add(entry);
            }

            return result;
        }
    }

    /// <inheritdoc/>
    public ulong Term(ulong index)
    {
        lock (gate)
        {
            if (index < floor)
            {
                throw new RaftStorageException(StorageError.Compacted, $"storage: index {index} is compacted (first is {floor + 1})");
            }

            if (index > LastIndexLocked())
            {
                throw new RaftStorageException(StorageError.Unavailable, $"storage: index {index} is past the last index {LastIndexLocked()}");
            }

            return index == floor ? floorTerm : entries[(int)(index - floor - 1)].Term;
        }
    }

    /// <inheritdoc/>
    public ulong FirstIndex()
    {
        lock (gate)
        {
            return floor + 1;
        }
    }

    /// <inheritdoc/>
    public ulong LastIndex()
    {
        lock (gate)
        {
            return LastIndexLocked();
        }
    }

    /// <inheritdoc/>
    public Snapshot Snapshot()
    {
        lock (gate)
        {
            return snapshot;
        }
    }

    /// <summary>
    /// Appends entries (a conflicting suffix is replaced, entries already compacted are skipped, as
    /// <see cref="MemoryStorage.Append"/> does) and the hard state, durably. With <paramref name="sync"/> false
    /// (a Ready whose MustSync is false) the records are written but not fsynced.
    /// </summary>
    public async ValueTask AppendAsync(IReadOnlyList<Entry> newEntries, HardState? newHardState = null, bool sync = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newEntries);
        await wal.AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        Task durable;
        lock (gate)
        {
            var toWrite = Array.Empty<Entry>() as IReadOnlyList<Entry>;
            if (newEntries.Count > 0 && newEntries[^1].Index > floor)
            {
                var skip = newEntries[0].Index > floor ? 0 : (int)(floor + 1 - newEntries[0].Index);
                toWrite = skip == 0 ? newEntries : newEntries.Skip(skip).ToArray();
            }

            if (toWrite.Count > 0 && toWrite[0].Index > LastIndexLocked() + 1)
            {
                wal.ReleaseSlot();
                throw new InvalidOperationException($"storage: missing log entries between {LastIndexLocked()} and {toWrite[0].Index}");
            }

            // Entries covered by a snapshot are committed and can never change; a different term there means the
            // caller's Raft state is broken, and writing it would corrupt the log for good.
            for (var i = 0; i < toWrite.Count && toWrite[i].Index <= snapshot.Metadata.Index && toWrite[i].Index <= LastIndexLocked(); i++)
            {
                var existing = entries[(int)(toWrite[i].Index - floor - 1)].Term;
                if (existing != toWrite[i].Term)
                {
                    wal.ReleaseSlot();
                    throw new InvalidOperationException(
                        $"storage: entry {toWrite[i].Index} (term {existing}) is covered by the snapshot at {snapshot.Metadata.Index} and cannot be replaced by term {toWrite[i].Term}");
                }
            }

            durable = wal.EnqueueAppend(toWrite, newHardState, sync);
            if (toWrite.Count > 0)
            {
                var keep = (int)(toWrite[0].Index - floor - 1);
                entries.RemoveRange(keep, entries.Count - keep);
                writtenNoLaterThan.RemoveRange(keep, writtenNoLaterThan.Count - keep);
                var now = time.GetUtcNow();
                foreach (var entry in toWrite)
                {
                    entries.Add(entry);
                    writtenNoLaterThan.Add(now);
                }
            }

            if (newHardState is { } hs)
            {
                hardState = hs;
            }
        }

        wal.WriteQueued();
        await durable.ConfigureAwait(false);
    }

    /// <summary>Writes the hard state durably (an append with no entries).</summary>
    public ValueTask SetHardStateAsync(HardState newHardState, CancellationToken cancellationToken = default) =>
        AppendAsync([], newHardState, sync: true, cancellationToken);

    /// <summary>
    /// Installs a snapshot received from the leader: the snapshot file is made durable first, then the WAL
    /// starts a new segment with a reset marker and older segments are deleted. Every entry is discarded.
    /// </summary>
    public async ValueTask ApplySnapshotAsync(Snapshot newSnapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newSnapshot);
        lock (gate)
        {
            if (newSnapshot.Metadata.Index < snapshot.Metadata.Index)
            {
                throw new RaftStorageException(
                    StorageError.SnapshotOutOfDate,
                    $"storage: snapshot at {newSnapshot.Metadata.Index} is older than the current one at {snapshot.Metadata.Index}");
            }
        }

        await wal.AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        Task durable;
        try
        {
            // Why the snapshot first: after a crash between the two steps, opening finds a snapshot newer than
            // the log and completes the reset itself; the other order would leave a log with no state under it.
            snapshots.Save(newSnapshot);
        }
        catch
        {
            wal.ReleaseSlot();
            throw;
        }

        lock (gate)
        {
            durable = wal.EnqueueReset(newSnapshot.Metadata.Index, newSnapshot.Metadata.Term, hardState);
            snapshot = newSnapshot;
            entries.Clear();
            writtenNoLaterThan.Clear();
            floor = newSnapshot.Metadata.Index;
            floorTerm = newSnapshot.Metadata.Term;
        }

        wal.WriteQueued();
        await durable.ConfigureAwait(false);
    }

    /// <summary>
    /// Takes a snapshot at an applied index, durably (the state machine bytes and, when the membership
    /// changed, the conf state). The log is not compacted; call <see cref="CompactAsync"/> for that.
    /// </summary>
    public ValueTask<Snapshot> CreateSnapshotAsync(ulong index, ConfState? confState, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Snapshot created;
        lock (gate)
        {
            if (index <= snapshot.Metadata.Index)
            {
                throw new RaftStorageException(
                    StorageError.SnapshotOutOfDate,
                    $"storage: snapshot at {index} is not newer than the current one at {snapshot.Metadata.Index}");
            }

            if (index > LastIndexLocked())
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"snapshot index {index} is past the last index {LastIndexLocked()}");
            }

            if (index < floor)
            {
                throw new RaftStorageException(StorageError.Compacted, $"storage: index {index} is compacted (first is {floor + 1})");
            }

            var term = index == floor ? floorTerm : entries[(int)(index - floor - 1)].Term;
            created = new Snapshot(new SnapshotMetadata(index, term, confState ?? snapshot.Metadata.ConfState), data);
        }

        snapshots.Save(created);
        lock (gate)
        {
            if (created.Metadata.Index > snapshot.Metadata.Index)
            {
                snapshot = created;
            }
        }

        return ValueTask.FromResult(created);
    }

    /// <summary>
    /// Discards the entries through <paramref name="compactIndex"/>, but not those the retention hook still needs
    /// (unless the retention budget is exhausted). Compacting at or below the first index does nothing. The
    /// index may not pass the newest durable snapshot: after a restart the state machine is rebuilt from that
    /// snapshot and the log after it, so compacting further would lose state.
    /// </summary>
    public async ValueTask<CompactionResult> CompactAsync(ulong compactIndex, CancellationToken cancellationToken = default)
    {
        await wal.AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        Task durable;
        CompactionResult result;
        var handedOver = false;
        try
        {
            lock (gate)
            {
                if (compactIndex <= floor)
                {
                    wal.ReleaseSlot();
                    return new CompactionResult(compactIndex, floor, RetentionOverride.None);
                }

                if (compactIndex > LastIndexLocked())
                {
                    throw new ArgumentOutOfRangeException(nameof(compactIndex), $"compact index {compactIndex} is past the last index {LastIndexLocked()}");
                }

                if (compactIndex > snapshot.Metadata.Index)
                {
                    throw new InvalidOperationException($"compact index {compactIndex} is past the newest durable snapshot at {snapshot.Metadata.Index}");
                }

                var sizes = new int[(int)(compactIndex - floor)];
                for (var i = 0; i < sizes.Length; i++)
                {
                    sizes[i] = WalRecordCodec.EntrySize(entries[i]);
                }

                var (through, reason) = RetentionPlanner.Plan(
                    compactIndex, floor, retention.LowestIndexNeeded(), sizes, writtenNoLaterThan, time.GetUtcNow(), options.Retention);
                result = new CompactionResult(compactIndex, through, reason);
                if (through <= floor)
                {
                    wal.ReleaseSlot();
                    return result;
                }

                var cut = (int)(through - floor);
                var term = entries[cut - 1].Term;

                // From here the slot belongs to the WAL, which gives it back itself if it refuses the operation.
                handedOver = true;
                durable = wal.EnqueueCompact(through, term);
                entries.RemoveRange(0, cut);
                writtenNoLaterThan.RemoveRange(0, cut);
                floor = through;
                floorTerm = term;
            }
        }
        catch when (!handedOver)
        {
            wal.ReleaseSlot();
            throw;
        }

        wal.WriteQueued();
        await durable.ConfigureAwait(false);
        if (result.Override != RetentionOverride.None)
        {
            retention.Discarded(result.CompactedThrough, result.Override);
        }

        return result;
    }

    /// <summary>Closes the WAL after its pending writes.</summary>
    public ValueTask DisposeAsync() => wal.DisposeAsync();

    private ulong LastIndexLocked() => floor + (ulong)entries.Count;

    // Opening found a snapshot newer than what the log covers (a crash while installing a snapshot from the
    // leader, after the snapshot file was made durable): finish the install, as ApplySnapshotAsync would have.
    private async Task ReconcileSnapshotAsync(CancellationToken cancellationToken)
    {
        var s = snapshot.Metadata;
        if (s.Index > hardState.Commit)
        {
            // A snapshot holds only committed state, so its index is committed; the node checks commit >= it.
            hardState = hardState with { Commit = s.Index };
        }

        if (s.Index <= floor)
        {
            return;
        }

        if (s.Index <= LastIndexLocked() && entries[(int)(s.Index - floor - 1)].Term == s.Term)
        {
            return;
        }

        await wal.AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        Task durable;
        lock (gate)
        {
            durable = wal.EnqueueReset(s.Index, s.Term, hardState);
            entries.Clear();
            writtenNoLaterThan.Clear();
            floor = s.Index;
            floorTerm = s.Term;
        }

        if (wal.WriterMode == WalWriterMode.Manual)
        {
            wal.Pump();
        }

        wal.WriteQueued();
        await durable.ConfigureAwait(false);
    }
}
