namespace Grey.Raft.Log;

/// <summary>
/// Entries (and possibly a snapshot) the node accepted but the application has not persisted yet.
/// <see cref="Offset"/> is the index of the first unstable entry.
/// </summary>
internal sealed class UnstableLog
{
    private List<Entry> entries = [];

    public UnstableLog(ulong offset) => Offset = offset;

    public ulong Offset { get; private set; }

    public Snapshot? Snapshot { get; private set; }

    public IReadOnlyList<Entry> Entries => entries;

    /// <summary>The first index known from an unstable snapshot, if any.</summary>
    public ulong? MaybeFirstIndex() => Snapshot is null ? null : Snapshot.Metadata.Index + 1;

    /// <summary>The last index of the unstable entries, or of the unstable snapshot, if any.</summary>
    public ulong? MaybeLastIndex()
    {
        if (entries.Count > 0)
        {
            return Offset + (ulong)entries.Count - 1;
        }

        return Snapshot?.Metadata.Index;
    }

    public ulong? MaybeTerm(ulong index)
    {
        if (index < Offset)
        {
            return Snapshot is not null && Snapshot.Metadata.Index == index ? Snapshot.Metadata.Term : null;
        }

        var last = MaybeLastIndex();
        if (last is null || index > last.Value)
        {
            return null;
        }

        return entries[(int)(index - Offset)].Term;
    }

    /// <summary>Drops the entries up to <paramref name="index"/> once persisted, if the term still matches.</summary>
    public void StableTo(ulong index, ulong term)
    {
        var t = MaybeTerm(index);
        if (t is null || t.Value != term || index < Offset)
        {
            // The entry was replaced (a newer leader truncated it) or is already stable.
            return;
        }

        var count = (int)(index + 1 - Offset);
        entries.RemoveRange(0, count);
        Offset = index + 1;
    }

    public void StableSnapTo(ulong index)
    {
        if (Snapshot is not null && Snapshot.Metadata.Index == index)
        {
            Snapshot = null;
        }
    }

    public void Restore(Snapshot snapshot)
    {
        Offset = snapshot.Metadata.Index + 1;
        entries = [];
        Snapshot = snapshot;
    }

    /// <summary>Appends entries, replacing any suffix that starts at or after the first new index.</summary>
    public void TruncateAndAppend(IReadOnlyList<Entry> newEntries)
    {
        var from = newEntries[0].Index;
        if (from == Offset + (ulong)entries.Count)
        {
            entries.AddRange(newEntries);
        }
        else if (from <= Offset)
        {
            // Replace everything unstable; the storage truncates its own suffix when these are appended.
            Offset = from;
            entries = [.. newEntries];
        }
        else
        {
            entries.RemoveRange((int)(from - Offset), entries.Count - (int)(from - Offset));
            entries.AddRange(newEntries);
        }
    }

    /// <summary>The entries in [lo, hi), which must lie within the unstable range.</summary>
    public List<Entry> Slice(ulong lo, ulong hi)
    {
        var upper = Offset + (ulong)entries.Count;
        if (lo > hi || lo < Offset || hi > upper)
        {
            throw new InvalidOperationException($"unstable: invalid slice [{lo}, {hi}) of [{Offset}, {upper})");
        }

        return entries.GetRange((int)(lo - Offset), (int)(hi - lo));
    }
}
