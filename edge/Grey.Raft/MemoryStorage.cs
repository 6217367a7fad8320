namespace Grey.Raft;

/// <summary>
/// An in-memory <see cref="IRaftStorage"/>, used by tests and the simulator as the stable store. It keeps
/// a dummy entry at the snapshot's index and term, so the term of the snapshot index is always known.
/// Not thread-safe: the node and the application call it from one logical thread.
/// </summary>
public sealed class MemoryStorage : IRaftStorage
{
    // entries[0] is the dummy entry at the snapshot index; real entries follow at consecutive indexes.
    private List<Entry> entries = [new Entry(0, 0, EntryKind.NoOp, ReadOnlyMemory<byte>.Empty)];
    private Snapshot snapshot = Grey.Raft.Snapshot.Empty;

    /// <summary>The hard state last set.</summary>
    public HardState HardState { get; private set; }

    private ulong Offset => entries[0].Index;

    /// <inheritdoc/>
    public (HardState HardState, ConfState ConfState) InitialState() => (HardState, snapshot.Metadata.ConfState);

    /// <summary>Records the hard state (the in-memory equivalent of an fsync).</summary>
    public void SetHardState(HardState hardState) => HardState = hardState;

    /// <inheritdoc/>
    public IReadOnlyList<Entry> Entries(ulong lo, ulong hi, ulong maxBytes)
    {
        if (lo > hi)
        {
            throw new ArgumentException($"invalid range [{lo}, {hi})");
        }

        if (lo <= Offset)
        {
            throw new RaftStorageException(StorageError.Compacted, $"storage: index {lo} is compacted (first is {Offset + 1})");
        }

        if (hi > LastIndex() + 1)
        {
            throw new RaftStorageException(StorageError.Unavailable, $"storage: index {hi - 1} is past the last index {LastIndex()}");
        }

        var result = new List<Entry>();
        ulong size = 0;
        for (var i = lo; i < hi; i++)
        {
            var entry = entries[(int)(i - Offset)];
            size += entry.WireSize;
            if (result.Count > 0 && size > maxBytes)
            {
                break;
            }

            result.Add(entry);
        }

        return result;
    }

    /// <inheritdoc/>
    public ulong Term(ulong index)
    {
        if (index < Offset)
        {
            throw new RaftStorageException(StorageError.Compacted, $"storage: index {index} is compacted (first is {Offset + 1})");
        }

        if (index - Offset >= (ulong)entries.Count)
        {
            throw new RaftStorageException(StorageError.Unavailable, $"storage: index {index} is past the last index {LastIndex()}");
        }

        return entries[(int)(index - Offset)].Term;
    }

    /// <inheritdoc/>
    public ulong FirstIndex() => Offset + 1;

    /// <inheritdoc/>
    public ulong LastIndex() => Offset + (ulong)entries.Count - 1;

    /// <inheritdoc/>
    public Snapshot Snapshot() => snapshot;

    /// <summary>Replaces the whole content with a snapshot received from the leader.</summary>
    /// <exception cref="RaftStorageException">With <see cref="StorageError.SnapshotOutOfDate"/> when it is older than the current snapshot.</exception>
    public void ApplySnapshot(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Metadata.Index < this.snapshot.Metadata.Index)
        {
            throw new RaftStorageException(
                StorageError.SnapshotOutOfDate,
                $"storage: snapshot at {snapshot.Metadata.Index} is older than the current one at {this.snapshot.Metadata.Index}");
        }

        this.snapshot = snapshot;
        entries = [new Entry(snapshot.Metadata.Term, snapshot.Metadata.Index, EntryKind.NoOp, ReadOnlyMemory<byte>.Empty)];
    }

    /// <summary>
    /// Takes a snapshot at an applied index (the application supplies the state machine bytes and, when the
    /// membership changed, the conf state). The log is not compacted; call <see cref="Compact"/> for that.
    /// </summary>
    public Snapshot CreateSnapshot(ulong index, ConfState? cs, ReadOnlyMemory<byte> data)
    {
        if (index <= snapshot.Metadata.Index)
        {
            throw new RaftStorageException(
                StorageError.SnapshotOutOfDate,
                $"storage: snapshot at {index} is not newer than the current one at {snapshot.Metadata.Index}");
        }

        if (index > LastIndex())
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"snapshot index {index} is past the last index {LastIndex()}");
        }

        var term = entries[(int)(index - Offset)].Term;
        snapshot = new Snapshot(new SnapshotMetadata(index, term, cs ?? snapshot.Metadata.ConfState), data);
        return snapshot;
    }

    /// <summary>
    /// Discards the entries before <paramref name="compactIndex"/>, which becomes the dummy entry. Compacting at or
    /// before the current first index does nothing.
    /// </summary>
    public void Compact(ulong compactIndex)
    {
        if (compactIndex <= Offset)
        {
            return;
        }

        if (compactIndex > LastIndex())
        {
            throw new ArgumentOutOfRangeException(nameof(compactIndex), $"compact index {compactIndex} is past the last index {LastIndex()}");
        }

        var cut = (int)(compactIndex - Offset);
        var kept = new List<Entry>(entries.Count - cut)
        {
            new(entries[cut].Term, entries[cut].Index, EntryKind.NoOp, ReadOnlyMemory<byte>.Empty),
        };
        kept.AddRange(entries.Skip(cut + 1));
        entries = kept;
    }

    /// <summary>
    /// Appends entries, truncating any conflicting suffix first (entries at or after the first new index are
    /// replaced). Entries already compacted are skipped.
    /// </summary>
    public void Append(IReadOnlyList<Entry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var first = FirstIndex();
        var last = entries[^1].Index;
        if (last < first)
        {
            return;
        }

        var list = entries as IEnumerable<Entry>;
        if (first > entries[0].Index)
        {
            list = entries.Skip((int)(first - entries[0].Index));
        }

        var toAppend = list.ToList();
        var start = toAppend[0].Index;
        if (start > LastIndex() + 1)
        {
            throw new InvalidOperationException($"storage: missing log entries between {LastIndex()} and {start}");
        }

        var keep = (int)(start - Offset);
        this.entries.RemoveRange(keep, this.entries.Count - keep);
        this.entries.AddRange(toAppend);
    }
}
