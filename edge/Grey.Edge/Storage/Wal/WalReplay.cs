using Grey.Raft;

namespace Grey.Edge.Storage.Wal;

/// <summary>
/// Rebuilds the log from the records of the retained segments, in order. A pure state machine: the caller
/// feeds records and it either applies them or reports a broken invariant (which the caller turns into a
/// <see cref="WalCorruptionException"/> naming the file and offset).
/// <para>
/// The rules. The log is the entries in (floor, floor + count]. An entry record at index i with
/// floor &lt; i &lt;= last + 1 replaces the suffix from i (a new leader overwrote a follower's log; truncation
/// is an append, so it is as crash-safe as any append). An entry at i &lt;= floor means the log was
/// truncated below the floor at that point of its history: every entry after the floor is dropped (later
/// records rewrite them). An entry beyond last + 1 is a gap: corruption. A Compacted marker drops the
/// entries through its index; a SnapshotReset marker drops all of them. The latest hard state wins.
/// </para>
/// <para>
/// When older segments were deleted by compaction, the first retained segment starts in the middle of the
/// history: its entries up to its first index - 1 are gone, so replay starts with the floor at
/// max(marker index, first index - 1), possibly with an unknown floor term, and a later Compacted marker
/// at or above that floor (written before the deletion, so always retained) must supply the term.
/// </para>
/// </summary>
internal sealed class WalReplay
{
    private readonly List<Entry> entries = [];
    private readonly List<int> entrySegments = [];
    private bool started;

    /// <summary>The compaction floor: entries at or below it are not in the log.</summary>
    public ulong Floor { get; private set; }

    /// <summary>The term of the entry at <see cref="Floor"/>, or null while unknown.</summary>
    public ulong? FloorTerm { get; private set; }

    /// <summary>The latest hard state.</summary>
    public HardState HardState { get; private set; }

    /// <summary>The last index in the log.</summary>
    public ulong LastIndex => Floor + (ulong)entries.Count;

    /// <summary>The entries in (Floor, LastIndex].</summary>
    public IReadOnlyList<Entry> Entries => entries;

    /// <summary>For each entry, the position (in feed order) of the segment its record was read from.</summary>
    public IReadOnlyList<int> EntrySegments => entrySegments;

    /// <summary>
    /// Starts a segment. The first segment fed sets the floor from its start marker and its first index;
    /// later ones only check that the segment's start marker agrees with the log so far.
    /// </summary>
    public void BeginSegment(ulong firstIndex)
    {
        if (!started)
        {
            started = true;
            Floor = firstIndex == 0 ? 0 : firstIndex - 1;
            FloorTerm = Floor == 0 ? 0 : null;
        }
    }

    /// <summary>Applies one record; returns an error message when it breaks the log's invariants.</summary>
    public string? Apply(in WalRecord record, int segment)
    {
        switch (record.Type)
        {
            case WalRecordType.Entry:
                return ApplyEntry(record.Entry, segment);
            case WalRecordType.HardState:
                HardState = record.HardState;
                return null;
            case WalRecordType.Compacted:
                return ApplyCompacted(record.MarkerIndex, record.MarkerTerm);
            case WalRecordType.SnapshotReset:
                entries.Clear();
                entrySegments.Clear();
                Floor = record.MarkerIndex;
                FloorTerm = record.MarkerTerm;
                return null;
            default:
                return $"unexpected record type {record.Type}";
        }
    }

    /// <summary>Checks the final state; returns an error message when it is not a complete log.</summary>
    public string? Finish() =>
        FloorTerm is null
            ? $"the oldest retained segment starts after index {Floor}, but no compaction marker covers it: older segments are missing"
            : null;

    private string? ApplyEntry(in Entry entry, int segment)
    {
        if (entry.Index == 0)
        {
            return "entry with index 0";
        }

        if (entry.Index <= Floor)
        {
            entries.Clear();
            entrySegments.Clear();
            return null;
        }

        if (entry.Index > LastIndex + 1)
        {
            return $"entry {entry.Index} leaves a gap after the last index {LastIndex}";
        }

        var keep = (int)(entry.Index - Floor - 1);
        if (keep < entries.Count)
        {
            entries.RemoveRange(keep, entries.Count - keep);
            entrySegments.RemoveRange(keep, entrySegments.Count - keep);
        }

        entries.Add(entry);
        entrySegments.Add(segment);
        return null;
    }

    private string? ApplyCompacted(ulong index, ulong term)
    {
        if (index < Floor)
        {
            return null;
        }

        if (index == Floor)
        {
            if (FloorTerm is { } known && known != term)
            {
                return $"compaction marker at {index} has term {term}, but the floor's term is {known}";
            }

            FloorTerm = term;
            return null;
        }

        if (index > LastIndex)
        {
            return $"compaction marker at {index} is past the last index {LastIndex}";
        }

        var cut = (int)(index - Floor);
        if (entries[cut - 1].Term != term)
        {
            return $"compaction marker at {index} has term {term}, but the entry there has term {entries[cut - 1].Term}";
        }

        entries.RemoveRange(0, cut);
        entrySegments.RemoveRange(0, cut);
        Floor = index;
        FloorTerm = term;
        return null;
    }
}
