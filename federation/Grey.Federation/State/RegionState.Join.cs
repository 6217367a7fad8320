namespace Grey.Federation.State;

public sealed partial class RegionState
{
    /// <summary>
    /// Joins <paramref name="other"/> into this state: the larger register per key, the larger totals per
    /// counter slot, the union of set tags, the further progress per site epoch. The join is idempotent,
    /// commutative and associative, so regions may exchange states in any order, any number of times.
    /// Returns the number of register conflicts resolved (writes of different origins met).
    /// </summary>
    public int Join(RegionState other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this))
        {
            return 0;
        }

        int conflicts = 0;
        foreach (var (sk, reg) in other._registers)
        {
            if (WriteRegister(sk, reg))
            {
                conflicts++;
            }
        }

        foreach (var (sk, slots) in other._counters)
        {
            foreach (var (slot, totals) in slots)
            {
                AddCounterTotals(sk, slot, totals);
            }
        }

        foreach (var (sk, elements) in other._sets)
        {
            foreach (var (element, state) in elements)
            {
                SetElementState mine = GetOrAddElementUntracked(sk, element);
                int before = mine.Adds.Count + mine.Removes.Count;
                mine.Adds.UnionWith(state.Adds);
                mine.Removes.UnionWith(state.Removes);
                if (mine.Adds.Count + mine.Removes.Count != before)
                {
                    // Only a real change is reported, or two regions would send each other the same sets forever.
                    _changes?.Sets.Add(sk);
                }
            }
        }

        foreach (SiteProgress p in other._progress.Values)
        {
            AdvanceProgress(p.Site, p.Epoch, p.MergedIndex, p.RawChainHash);
        }

        return conflicts;
    }
}
