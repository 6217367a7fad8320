using Grey.Edge.Node;
using Grey.Edge.StateMachine;
using Grey.Edge.Storage;
using Grey.Edge.Storage.Files;
using Grey.Federation.Chain;

namespace Grey.Edge.Outbox;

/// <summary>
/// The outbox journal of one node (docs/OUTBOX.md): every chained data entry, as the state machine decided its
/// operations at apply time, appended in segment files under <c>&lt;data&gt;/outbox/</c> on every node (not only
/// the leader), so any leader can ship from the region's acknowledged index after any restart. It is the node's
/// <see cref="IApplyHook"/> (fsynced through S before a snapshot at S is persisted) and supplies the storage's
/// <see cref="ILogRetention"/> (the log is never compacted past what the journal holds durably). Entries are
/// trimmed once an applied region ack covers them; past the budget (bytes, age) or on a gap the journal folds:
/// it drops its entries and marks that the leader must ship a checkpoint. Thread-safe (the node loop appends,
/// the outbox reads).
/// </summary>
internal sealed partial class OutboxJournal : IApplyHook, IDisposable
{
    /// <summary>Largest record payload (one entry with its operations): 1 MiB, far above one 64 KiB value.</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    private readonly Lock gate = new();
    private readonly IFileSystem fs;
    private readonly string directory;
    private readonly OutboxJournalOptions options;
    private readonly TimeProvider time;
    private readonly List<Segment> segments = [];
    private readonly List<JournalRecord> records = [];
    private SiteStateMachine? machine;
    private ulong tailIndex;
    private byte[]? tailChain;
    private ulong lowIndex;
    private byte[]? lowChain;
    private ulong foldThrough;
    private ulong trimmedThrough;
    private long retainedBytes;
    private long durableThrough;
    private long nextSeq = 1;
    private long folds;
    private long foldedEntries;
    private long gaps;
    private long version;
    private long retentionOverrides;
    private bool disposed;

    private OutboxJournal(IFileSystem fs, string directory, OutboxJournalOptions options, TimeProvider time)
    {
        this.fs = fs;
        this.directory = directory;
        this.options = options;
        this.time = time;
        Retention = new JournalRetention(this);
    }

    /// <summary>The retention hook to open the node's storage with.</summary>
    public ILogRetention Retention { get; }

    /// <summary>Bumped on every append, trim and fold: the outbox waits on it.</summary>
    public long Version => Interlocked.Read(ref version);

    /// <summary>Bytes cut from a torn tail when the journal was opened.</summary>
    public long TornBytesCut { get; private set; }

    /// <summary>The index through which the journal is known durable (what the retention hook reports).</summary>
    public ulong DurableThrough => (ulong)Interlocked.Read(ref durableThrough);

    /// <summary>Raised (outside the lock is not guaranteed: keep it quick) when the journal changed.</summary>
    public event Action? Changed;

    /// <summary>
    /// Opens (or creates) the journal in <paramref name="directory"/>: checks every segment, cuts a torn tail of
    /// the newest one, and refuses other damage with <see cref="OutboxJournalCorruptException"/>.
    /// </summary>
    public static OutboxJournal Open(IFileSystem fileSystem, string directory, OutboxJournalOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid journal options: " + string.Join("; ", errors), nameof(options));
        }

        var journal = new OutboxJournal(fileSystem, directory, options, time);
        journal.Recover();
        return journal;
    }

    /// <summary>The index of the newest entry (or of the fold/base point when none is held).</summary>
    public ulong TailIndex
    {
        get
        {
            lock (gate)
            {
                return tailIndex;
            }
        }
    }

    /// <summary>
    /// Everything the journal dropped that the region has not acknowledged: a checkpoint at or above this index
    /// must be shipped before site deltas (0: none).
    /// </summary>
    public ulong FoldThrough
    {
        get
        {
            lock (gate)
            {
                return foldThrough;
            }
        }
    }

    /// <summary>Backlog figures: entries and bytes held above the acknowledged index, the oldest entry's HLC wall time, fold and gap counts.</summary>
    public JournalStats Stats()
    {
        lock (gate)
        {
            return new JournalStats(records.Count, retainedBytes, records.Count > 0 ? records[0].WallMs : null, tailIndex, foldThrough, folds, foldedEntries, gaps);
        }
    }

    /// <summary>
    /// Up to <paramref name="maxEntries"/> entries (and about <paramref name="maxBytes"/> journal bytes, at least
    /// one entry) from <paramref name="fromIndex"/> on, with the chain hash before <paramref name="fromIndex"/>.
    /// False when the journal cannot continue from there (it was folded or trimmed beyond it); true with no
    /// entries when there is nothing to ship.
    /// </summary>
    public bool TryRead(ulong fromIndex, int maxEntries, long maxBytes, out List<JournalRecord> batch, out byte[] chainBefore)
    {
        ArgumentOutOfRangeException.ThrowIfZero(fromIndex);
        batch = [];
        chainBefore = [];
        lock (gate)
        {
            if (lowChain is null)
            {
                // Nothing chained yet: nothing to ship, and nothing missing.
                return true;
            }

            if (!TryChainAtLocked(fromIndex - 1, out var before))
            {
                return false;
            }

            chainBefore = before;
            long bytes = 0;
            for (var i = FirstAtOrAbove(fromIndex); i < records.Count && batch.Count < maxEntries; i++)
            {
                if (batch.Count > 0 && bytes + records[i].Bytes > maxBytes)
                {
                    break;
                }

                bytes += records[i].Bytes;
                batch.Add(records[i]);
            }

            return true;
        }
    }

    /// <summary>The chain hash after every data entry at or below <paramref name="index"/>, when the journal knows it.</summary>
    public bool TryChainAt(ulong index, out byte[] chain)
    {
        lock (gate)
        {
            return TryChainAtLocked(index, out chain);
        }
    }

    /// <summary>Folds now if the oldest entry is past the age budget (the byte budget is checked on every append).</summary>
    public void EnforceBudget()
    {
        lock (gate)
        {
            if (records.Count == 0 || tailChain is null || !OverAge())
            {
                return;
            }

            FoldLocked(tailIndex, tailChain, gap: false);
        }

        Signal();
    }

    /// <summary>Makes every appended entry durable (fsync of the dirty segments).</summary>
    public void Sync()
    {
        lock (gate)
        {
            SyncLocked();
        }
    }

    /// <inheritdoc/>
    public void Restored(SiteStateMachine restored)
    {
        ArgumentNullException.ThrowIfNull(restored);
        lock (gate)
        {
            machine = restored;
            restored.KeepSiteState();
            Interlocked.Exchange(ref durableThrough, (long)Math.Max(DurableThrough, restored.AppliedIndex));
            Reconcile(restored);
            TrimLocked(restored.AckedIndex);
        }

        Signal();
    }

    /// <inheritdoc/>
    public void Chained(DataEntry entry, ReadOnlySpan<byte> chainBefore, ReadOnlySpan<byte> chainAfter)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (gate)
        {
            AppendLocked(entry, chainBefore, chainAfter);
        }

        Signal();
    }

    /// <inheritdoc/>
    public void Acknowledged(ulong ackedIndex)
    {
        lock (gate)
        {
            TrimLocked(ackedIndex);
        }

        Signal();
    }

    /// <inheritdoc/>
    public void BeforeSnapshot(ulong index)
    {
        lock (gate)
        {
            if (options.SyncBeforeSnapshot)
            {
                SyncLocked();
            }

            Interlocked.Exchange(ref durableThrough, (long)Math.Max(DurableThrough, index));
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            foreach (var s in segments)
            {
                s.Handle?.Dispose();
                s.Handle = null;
            }
        }
    }

    /// <summary>Times the storage discarded log entries the journal still needed (its budget overrode the hook); should stay 0.</summary>
    public long RetentionOverrides => Interlocked.Read(ref retentionOverrides);

    internal void Discarded() => Interlocked.Increment(ref retentionOverrides);

    private void Signal()
    {
        Interlocked.Increment(ref version);
        Changed?.Invoke();
    }

    private bool OverAge() =>
        records.Count > 0 && time.GetUtcNow().ToUnixTimeMilliseconds() - records[0].WallMs > (long)options.BudgetAge.TotalMilliseconds;

    private int FirstAtOrAbove(ulong index)
    {
        int lo = 0, hi = records.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (records[mid].Index < index)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private bool TryChainAtLocked(ulong index, out byte[] chain)
    {
        chain = [];
        if (lowChain is null)
        {
            return false;
        }

        if (index < lowIndex)
        {
            // Before the journal's first entry only the genesis hash is known, and only when the journal starts there.
            if (machine?.Epoch is { } epoch && lowChain.AsSpan().SequenceEqual(ChainHash.Genesis(machine.Site, epoch)))
            {
                chain = lowChain;
                return true;
            }

            return false;
        }

        if (index >= tailIndex && tailChain is not null)
        {
            chain = tailChain;
            return true;
        }

        var i = FirstAtOrAbove(index + 1);
        chain = i == 0 ? lowChain : records[i - 1].ChainAfter;
        return true;
    }

    private void AppendLocked(DataEntry entry, ReadOnlySpan<byte> chainBefore, ReadOnlySpan<byte> chainAfter)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (tailChain is not null && entry.Index <= tailIndex)
        {
            // Replayed from the log after a restart: the journal already holds it (idempotent by index).
            return;
        }

        var epoch = machine?.Epoch ?? throw new InvalidOperationException("a data entry was chained before the journal saw the state machine");
        if (tailChain is null)
        {
            // The first entry this journal ever holds: it continues the chain from genesis, or entries are missing.
            var genesis = ChainHash.Genesis(machine.Site, epoch);
            var complete = chainBefore.SequenceEqual(genesis);
            StartSegment(folded: !complete, entry.Index - 1, chainBefore.ToArray());
            if (!complete)
            {
                gaps++;
                foldThrough = Math.Max(foldThrough, entry.Index - 1);
            }
        }
        else if (!chainBefore.SequenceEqual(tailChain))
        {
            // Entries between the journal's tail and this one are missing (the node was caught up by a snapshot,
            // or the journal lost writes): fold, so the leader ships a checkpoint instead of a broken chain.
            gaps++;
            FoldLocked(entry.Index - 1, chainBefore.ToArray(), gap: true);
        }

        var payload = JournalFormat.EncodePayload(machine.Site, epoch, entry, chainBefore);
        if (payload.Length > MaxRecordBytes)
        {
            throw new InvalidOperationException($"entry {entry.Index} encodes to {payload.Length} bytes, above the journal's {MaxRecordBytes}");
        }

        var framed = JournalFormat.Frame(payload);
        var active = segments[^1];
        if (active.Length + framed.Length > options.SegmentBytes && active.LastIndex > active.BaseIndex)
        {
            StartSegment(folded: false, tailIndex, tailChain!);
            active = segments[^1];
        }

        active.Handle!.Write(active.Length, framed);
        active.Length += framed.Length;
        active.LastIndex = entry.Index;
        active.Dirty = true;
        var record = new JournalRecord(entry, chainBefore.ToArray(), chainAfter.ToArray(), framed.Length);
        records.Add(record);
        retainedBytes += record.Bytes;
        tailIndex = entry.Index;
        tailChain = record.ChainAfter;
        if (retainedBytes > options.BudgetBytes || OverAge())
        {
            FoldLocked(tailIndex, tailChain, gap: false);
        }
    }

    private void Reconcile(SiteStateMachine restored)
    {
        if (restored.Epoch is null)
        {
            return;
        }

        var s = restored.AppliedIndex;
        var chainAtS = restored.ChainHash.ToArray();
        if (tailChain is null)
        {
            if (restored.ChainedEntries == 0 || (restored.AckedIndex > 0 && restored.AckedChainHash.Span.SequenceEqual(chainAtS)))
            {
                // Nothing unacknowledged precedes S: the journal starts here.
                StartSegment(folded: false, s, chainAtS);
            }
            else
            {
                gaps++;
                FoldLocked(s, chainAtS, gap: true);
            }

            return;
        }

        if (!TryChainAtLocked(s, out var journalChain))
        {
            // The journal starts above S (it folded beyond it): nothing to compare.
            return;
        }

        if (!journalChain.AsSpan().SequenceEqual(chainAtS))
        {
            gaps++;
            FoldLocked(s, chainAtS, gap: true);
        }
    }

    private void TrimLocked(ulong acked)
    {
        if (acked <= trimmedThrough)
        {
            return;
        }

        if (TryChainAtLocked(acked, out var chainAtAcked))
        {
            lowIndex = acked;
            lowChain = chainAtAcked;
        }

        trimmedThrough = acked;
        var drop = FirstAtOrAbove(acked + 1);
        for (var i = 0; i < drop; i++)
        {
            retainedBytes -= records[i].Bytes;
        }

        records.RemoveRange(0, drop);
        if (foldThrough <= acked)
        {
            foldThrough = 0;
        }

        // Whole segments below the ack go; their deletion need not be durable (a resurrected old segment is
        // consistent with the rest and trimmed again on the next start).
        while (segments.Count > 1 && segments[0].LastIndex <= acked)
        {
            DeleteSegment(segments[0]);
            segments.RemoveAt(0);
        }
    }

    private void FoldLocked(ulong throughIndex, byte[] chainAt, bool gap)
    {
        var dropped = records.Count;
        StartSegment(folded: true, throughIndex, chainAt);
        while (segments.Count > 1)
        {
            DeleteSegment(segments[0]);
            segments.RemoveAt(0);
        }

        fs.SyncDirectory(directory);
        records.Clear();
        retainedBytes = 0;
        tailIndex = throughIndex;
        tailChain = chainAt;
        lowIndex = throughIndex;
        lowChain = chainAt;
        foldThrough = Math.Max(foldThrough, throughIndex);
        if (!gap)
        {
            folds++;
        }

        foldedEntries += dropped;
    }

    private void StartSegment(bool folded, ulong baseIndex, byte[] baseChain)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        SyncLocked();
        var seq = nextSeq++;
        var path = Path.Combine(directory, JournalFormat.SegmentName(seq));
        var handle = fs.Open(path, createNew: true);
        var header = JournalFormat.EncodeHeader(folded, baseIndex, baseChain);
        handle.Write(0, header);
        handle.Flush();
        fs.SyncDirectory(directory);
        if (segments.Count > 0)
        {
            segments[^1].Handle?.Dispose();
            segments[^1].Handle = null;
        }

        segments.Add(new Segment(seq, path) { Handle = handle, Length = header.Length, BaseIndex = baseIndex, LastIndex = baseIndex });
        if (tailChain is null)
        {
            tailIndex = baseIndex;
            tailChain = baseChain;
            lowIndex = baseIndex;
            lowChain = baseChain;
        }
    }

    private void DeleteSegment(Segment segment)
    {
        segment.Handle?.Dispose();
        segment.Handle = null;
        fs.Delete(segment.Path);
    }

    private void SyncLocked()
    {
        foreach (var s in segments)
        {
            if (s.Dirty && s.Handle is not null)
            {
                s.Handle.Flush();
                s.Dirty = false;
            }
        }
    }

    private sealed class Segment(long seq, string path)
    {
        public long Seq { get; } = seq;

        public string Path { get; } = path;

        public IFileHandle? Handle { get; set; }

        public long Length { get; set; }

        public ulong BaseIndex { get; init; }

        public ulong LastIndex { get; set; }

        public bool Dirty { get; set; }
    }
}
