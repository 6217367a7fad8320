namespace Grey.Raft.Log;

/// <summary>
/// The node's view of the log: the stable part in <see cref="IRaftStorage"/> followed by the unstable part,
/// with the commit and apply cursors. Modelled on etcd-io/raft's raftLog.
/// </summary>
internal sealed class RaftLog
{
    private readonly IRaftStorage storage;
    private readonly ulong maxApplyingBytes;
    private readonly int maxApplyingEntries;

    public RaftLog(IRaftStorage storage, ulong maxApplyingBytes, int maxApplyingEntries)
    {
        this.storage = storage;
        this.maxApplyingBytes = maxApplyingBytes;
        this.maxApplyingEntries = maxApplyingEntries;
        var first = storage.FirstIndex();
        var last = storage.LastIndex();
        Unstable = new UnstableLog(last + 1);
        Committed = first - 1;
        Applied = first - 1;
        Applying = first - 1;
    }

    public UnstableLog Unstable { get; }

    /// <summary>The highest index known to be committed.</summary>
    public ulong Committed { get; private set; }

    /// <summary>The highest index the application reported as applied.</summary>
    public ulong Applied { get; private set; }

    /// <summary>The highest index handed to the application for applying (at least <see cref="Applied"/>).</summary>
    public ulong Applying { get; private set; }

    public ulong FirstIndex() => Unstable.MaybeFirstIndex() ?? storage.FirstIndex();

    public ulong LastIndex() => Unstable.MaybeLastIndex() ?? storage.LastIndex();

    public ulong LastTerm() => TryTerm(LastIndex(), out var t)
        ? t
        : throw new InvalidOperationException($"log: the term of the last index {LastIndex()} is unknown");

    /// <summary>The term at <paramref name="index"/>; false when the index is compacted or beyond the log.</summary>
    public bool TryTerm(ulong index, out ulong term)
    {
        term = 0;
        var dummy = FirstIndex() - 1;
        if (index < dummy || index > LastIndex())
        {
            return false;
        }

        var unstable = Unstable.MaybeTerm(index);
        if (unstable is not null)
        {
            term = unstable.Value;
            return true;
        }

        try
        {
            term = storage.Term(index);
            return true;
        }
        catch (RaftStorageException e) when (e.Error is StorageError.Compacted or StorageError.Unavailable)
        {
            return false;
        }
    }

    public ulong ZeroTermOnOutOfBounds(ulong index) => TryTerm(index, out var t) ? t : 0;

    public bool MatchTerm(ulong index, ulong term) => TryTerm(index, out var t) && t == term;

    /// <summary>True when a log ending at (<paramref name="lastIndex"/>, <paramref name="term"/>) is at least as up to date as ours.</summary>
    public bool IsUpToDate(ulong lastIndex, ulong term)
    {
        var ourTerm = LastTerm();
        return term > ourTerm || (term == ourTerm && lastIndex >= LastIndex());
    }

    /// <summary>
    /// Appends a leader's entries that follow (<paramref name="index"/>, <paramref name="logTerm"/>) if our log
    /// matches there. Returns the last index of the new entries, or null on a mismatch.
    /// </summary>
    public ulong? MaybeAppend(ulong index, ulong logTerm, ulong committed, IReadOnlyList<Entry> entries)
    {
        if (!MatchTerm(index, logTerm))
        {
            return null;
        }

        var lastNew = index + (ulong)entries.Count;
        var conflict = FindConflict(entries);
        if (conflict != 0)
        {
            if (conflict <= Committed)
            {
                throw new InvalidOperationException($"log: entry {conflict} conflicts with the committed entry (committed {Committed})");
            }

            var skip = (int)(conflict - (index + 1));
            Append(entries.Skip(skip).ToList());
        }

        CommitTo(Math.Min(committed, lastNew));
        return lastNew;
    }

    /// <summary>Appends entries (truncating a conflicting unstable suffix) and returns the new last index.</summary>
    public ulong Append(IReadOnlyList<Entry> entries)
    {
        if (entries.Count == 0)
        {
            return LastIndex();
        }

        var after = entries[0].Index - 1;
        if (after < Committed)
        {
            throw new InvalidOperationException($"log: appending after {after} is below the commit index {Committed}");
        }

        Unstable.TruncateAndAppend(entries);
        return LastIndex();
    }

    /// <summary>The index of the first entry whose term differs from ours (or that we lack); 0 when all match.</summary>
    public ulong FindConflict(IReadOnlyList<Entry> entries)
    {
        foreach (var e in entries)
        {
            if (!MatchTerm(e.Index, e.Term))
            {
                return e.Index;
            }
        }

        return 0;
    }

    /// <summary>
    /// The largest index at or below <paramref name="index"/> whose term is at most <paramref name="term"/>,
    /// with its term. This is the follower's rejection hint: the leader skips every entry of a conflicting term.
    /// </summary>
    public (ulong Index, ulong Term) FindConflictByTerm(ulong index, ulong term)
    {
        while (true)
        {
            if (!TryTerm(index, out var ourTerm))
            {
                return (index, 0);
            }

            if (ourTerm <= term || index == 0)
            {
                return (index, ourTerm);
            }

            index--;
        }
    }

    public IReadOnlyList<Entry> UnstableEntries() => [.. Unstable.Entries];

    public bool HasNextOrInProgressSnapshot() => Unstable.Snapshot is not null;

    /// <summary>Committed entries not yet handed to the application, bounded by the per-Ready limits.</summary>
    public IReadOnlyList<Entry> NextCommittedEntries()
    {
        if (HasNextOrInProgressSnapshot())
        {
            // The snapshot must be applied first; entries after it follow in a later Ready.
            return [];
        }

        var lo = Math.Max(Applying + 1, FirstIndex());
        var hi = Committed + 1;
        if (lo >= hi)
        {
            return [];
        }

        var entries = Slice(lo, hi, maxApplyingBytes);
        return entries.Count > maxApplyingEntries ? entries.GetRange(0, maxApplyingEntries) : entries;
    }

    public bool HasNextCommittedEntries() =>
        !HasNextOrInProgressSnapshot() && Committed > Math.Max(Applying, FirstIndex() - 1);

    public Snapshot Snapshot() => Unstable.Snapshot ?? storage.Snapshot();

    public void CommitTo(ulong toCommit)
    {
        if (Committed >= toCommit)
        {
            return;
        }

        if (LastIndex() < toCommit)
        {
            throw new InvalidOperationException($"log: commit {toCommit} is out of range [last index {LastIndex()}]; was the log corrupted, truncated or lost?");
        }

        Committed = toCommit;
    }

    /// <summary>Commits up to <paramref name="maxIndex"/> if that entry is of <paramref name="term"/> (the Figure 8 rule).</summary>
    public bool MaybeCommit(ulong maxIndex, ulong term, bool ignoreTerm)
    {
        if (ignoreTerm)
        {
            // Sabotage: commit by count alone. Clamp so that an empty quorum (MaxValue) is still in range.
            var target = Math.Min(maxIndex, LastIndex());
            if (target > Committed)
            {
                CommitTo(target);
                return true;
            }

            return false;
        }

        if (maxIndex > Committed && ZeroTermOnOutOfBounds(maxIndex) == term)
        {
            CommitTo(maxIndex);
            return true;
        }

        return false;
    }

    public void AcceptApplying(ulong index) => Applying = Math.Max(Applying, index);

    public void AppliedTo(ulong index)
    {
        if (index == 0)
        {
            return;
        }

        if (index > Committed || index < Applied)
        {
            throw new InvalidOperationException($"log: applied {index} is out of range [prev applied {Applied}, committed {Committed}]");
        }

        Applied = index;
        Applying = Math.Max(Applying, index);
    }

    public void StableTo(ulong index, ulong term) => Unstable.StableTo(index, term);

    public void StableSnapTo(ulong index) => Unstable.StableSnapTo(index);

    public void Restore(Snapshot snapshot)
    {
        Committed = snapshot.Metadata.Index;
        Unstable.Restore(snapshot);
    }

    /// <summary>Entries from <paramref name="index"/> to the end, at most <paramref name="maxBytes"/> (at least one).</summary>
    public IReadOnlyList<Entry> EntriesFrom(ulong index, ulong maxBytes)
    {
        if (index > LastIndex())
        {
            return [];
        }

        return Slice(index, LastIndex() + 1, maxBytes);
    }

    /// <summary>
    /// The entries in [lo, hi), at most <paramref name="maxBytes"/> but at least one. Throws
    /// <see cref="RaftStorageException"/> (Compacted) when <paramref name="lo"/> was compacted.
    /// </summary>
    public List<Entry> Slice(ulong lo, ulong hi, ulong maxBytes)
    {
        if (lo > hi)
        {
            throw new InvalidOperationException($"log: invalid slice {lo} > {hi}");
        }

        var first = FirstIndex();
        if (lo < first)
        {
            throw new RaftStorageException(StorageError.Compacted, $"log: index {lo} is compacted (first is {first})");
        }

        if (hi > LastIndex() + 1)
        {
            throw new InvalidOperationException($"log: slice [{lo}, {hi}) is out of bound [{first}, {LastIndex()}]");
        }

        var result = new List<Entry>();
        if (lo == hi)
        {
            return result;
        }

        if (lo < Unstable.Offset)
        {
            var storedHi = Math.Min(hi, Unstable.Offset);
            var stored = storage.Entries(lo, storedHi, maxBytes);
            result.AddRange(stored);
            if ((ulong)stored.Count < storedHi - lo)
            {
                // The storage stopped at the size limit.
                return LimitSize(result, maxBytes);
            }
        }

        if (hi > Unstable.Offset)
        {
            result.AddRange(Unstable.Slice(Math.Max(lo, Unstable.Offset), hi));
        }

        return LimitSize(result, maxBytes);
    }

    private static List<Entry> LimitSize(List<Entry> entries, ulong maxBytes)
    {
        if (entries.Count == 0)
        {
            return entries;
        }

        ulong size = entries[0].WireSize;
        var keep = 1;
        for (; keep < entries.Count; keep++)
        {
            size += entries[keep].WireSize;
            if (size > maxBytes)
            {
                break;
            }
        }

        return keep == entries.Count ? entries : entries.GetRange(0, keep);
    }
}
