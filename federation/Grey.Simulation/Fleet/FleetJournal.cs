using Grey.Federation.Chain;

namespace Grey.Simulation.Fleet;

/// <summary>
/// A node's outbox journal as the simulated fleet models it (the real <c>OutboxJournal</c> is a file; this one is
/// memory that survives the node's crashes, as the fsynced file does): every chained data entry with the chain hash
/// after it, from a base (the acknowledged or folded index and its chain hash). When more unacknowledged entries
/// than <see cref="FleetTiming.JournalBudgetEntries"/> wait, it folds them: the outbox must then ship a checkpoint.
/// </summary>
internal sealed class FleetJournal
{
    private readonly SortedDictionary<ulong, (DataEntry Entry, byte[] ChainAfter)> entries = [];

    /// <summary>The index below which the journal keeps nothing (0 with the genesis chain at start).</summary>
    public ulong BaseIndex { get; private set; }

    /// <summary>The chain hash at <see cref="BaseIndex"/>; null until the epoch is known.</summary>
    public byte[]? BaseChain { get; private set; }

    /// <summary>The highest index folded (0: never); the outbox ships a checkpoint while the ack is below it.</summary>
    public ulong FoldThrough { get; private set; }

    /// <summary>Index of the last data entry appended (or the base).</summary>
    public ulong TailIndex { get; private set; }

    /// <summary>Folds done and entries folded by them.</summary>
    public long Folds { get; private set; }

    public long FoldedEntries { get; private set; }

    public int Count => entries.Count;

    /// <summary>Starts the journal at the genesis chain of the epoch (once).</summary>
    public void Start(byte[] genesis) => BaseChain ??= genesis;

    /// <summary>Appends a chained entry (entries at or below the tail were journaled before a crash and are skipped).</summary>
    public void Append(DataEntry entry, byte[] chainAfter)
    {
        if (entry.Index <= TailIndex)
        {
            return;
        }

        entries[entry.Index] = (entry, chainAfter);
        TailIndex = entry.Index;
    }

    /// <summary>The chain hash after index <paramref name="index"/>, when the journal still knows it.</summary>
    public bool TryChainAt(ulong index, out byte[] chain)
    {
        if (index == BaseIndex && BaseChain is not null)
        {
            chain = BaseChain;
            return true;
        }

        if (index > BaseIndex && entries.TryGetValue(index, out var e))
        {
            chain = e.ChainAfter;
            return true;
        }

        chain = [];
        return false;
    }

    /// <summary>
    /// Up to <paramref name="max"/> entries from <paramref name="from"/> with the chain hash before them; false when
    /// the journal no longer holds that point (folded past it).
    /// </summary>
    public bool TryRead(ulong from, int max, out List<DataEntry> batch, out byte[] chainBefore)
    {
        batch = [];
        chainBefore = [];
        if (BaseChain is null || from <= BaseIndex)
        {
            return false;
        }

        chainBefore = BaseChain;
        foreach ((ulong index, var e) in entries)
        {
            if (index < from)
            {
                chainBefore = e.ChainAfter;
                continue;
            }

            if (batch.Count == max)
            {
                break;
            }

            batch.Add(e.Entry);
        }

        return true;
    }

    /// <summary>Drops what the region acknowledged: the base moves to <paramref name="acked"/> when the journal knows its chain.</summary>
    public void Acknowledged(ulong acked)
    {
        if (acked <= BaseIndex || !TryChainAt(LastIndexAtOrBelow(acked), out byte[] chain))
        {
            return;
        }

        foreach (ulong index in entries.Keys.TakeWhile(i => i <= acked).ToList())
        {
            entries.Remove(index);
        }

        BaseIndex = acked;
        BaseChain = chain;
    }

    /// <summary>Folds every unacknowledged entry when more than the budget wait; returns true when it folded.</summary>
    public bool EnforceBudget()
    {
        if (entries.Count <= FleetTiming.JournalBudgetEntries)
        {
            return false;
        }

        FoldedEntries += entries.Count;
        Folds++;
        BaseChain = entries[TailIndex].ChainAfter;
        BaseIndex = TailIndex;
        FoldThrough = TailIndex;
        entries.Clear();
        return true;
    }

    private ulong LastIndexAtOrBelow(ulong index)
    {
        ulong last = BaseIndex;
        foreach (ulong i in entries.Keys)
        {
            if (i > index)
            {
                break;
            }

            last = i;
        }

        return last;
    }
}
