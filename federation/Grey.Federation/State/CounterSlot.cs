namespace Grey.Federation.State;

/// <summary>
/// One origin of a PN-counter: the site, its epoch and the node. A site's log orders its adds, so each
/// slot's totals only grow, and joining two states takes the larger total per slot.
/// </summary>
internal readonly record struct CounterSlot(string Site, ulong Epoch, string Node) : IComparable<CounterSlot>
{
    public int CompareTo(CounterSlot other)
    {
        int c = string.CompareOrdinal(Site, other.Site);
        if (c != 0)
        {
            return c;
        }

        c = Epoch.CompareTo(other.Epoch);
        return c != 0 ? c : string.CompareOrdinal(Node, other.Node);
    }
}

/// <summary>The grow-only totals of one counter slot: increments and decrements, each saturating at <see cref="ulong.MaxValue"/>.</summary>
internal readonly record struct PnTotals(ulong Increments, ulong Decrements)
{
    public PnTotals Add(long amount) => amount > 0
        ? this with { Increments = SaturatingAdd(Increments, (ulong)amount) }
        : this with { Decrements = SaturatingAdd(Decrements, (ulong)(-amount)) };

    public static PnTotals Join(PnTotals a, PnTotals b) =>
        new(Math.Max(a.Increments, b.Increments), Math.Max(a.Decrements, b.Decrements));

    // Saturation keeps the totals monotone, so the max-join stays correct even for absurd sums.
    private static ulong SaturatingAdd(ulong a, ulong b) => a > ulong.MaxValue - b ? ulong.MaxValue : a + b;
}
