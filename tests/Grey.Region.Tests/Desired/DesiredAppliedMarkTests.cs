using Grey.Federation.Clock;
using Grey.Federation.Chain;
using Grey.Federation.Merge;
using Grey.Federation.Messages;
using Grey.Federation.State;
using Grey.Region.Desired;

namespace Grey.Region.Tests.Desired;

public sealed class DesiredAppliedMarkTests
{
    private static readonly HlcTimestamp T = new(1_764_000_000_000, 0);

    [Fact]
    public void Compute_ChangesAppliedInOrder_HighestSequenceAcrossKeys()
    {
        (RegionState state, DesiredChangeLedger _) = Applied("site-a", ("r0", "desired/a"), ("r0", "desired/b"), ("r0", "desired/a"));

        // desired/a now carries change 3, desired/b change 2: the site applied everything up to 3.
        Assert.Equal(3UL, DesiredAppliedMark.Compute(state, "r0", "site-a", ["desired/a", "desired/b"]));
        Assert.Equal(2UL, DesiredAppliedMark.Compute(state, "r0", "site-a", ["desired/b"]));
    }

    [Fact]
    public void Compute_DeleteApplied_TombstoneCounts()
    {
        var ledger = new DesiredChangeLedger();
        var state = new RegionState();
        var put = new DesiredChange("r0", "site-a", 1, "desired/a", [1], T);
        var delete = new DesiredChange("r0", "site-a", 2, "desired/a", null, T);
        ledger.Add(put);
        ledger.Add(delete);
        SiteLogApplier.ApplyEntries(state, "site-a", 5, [Entry(1, put), Entry(2, delete)], ledger);

        Assert.Equal(2UL, DesiredAppliedMark.Compute(state, "r0", "site-a", ["desired/a"]));
    }

    [Fact]
    public void Compute_OtherRegionOrSiteOrNothing_NotCounted()
    {
        (RegionState state, DesiredChangeLedger _) = Applied("site-a", ("r1", "desired/a"));

        Assert.Equal(0UL, DesiredAppliedMark.Compute(state, "r0", "site-a", ["desired/a"]));
        Assert.Equal(0UL, DesiredAppliedMark.Compute(state, "r1", "site-b", ["desired/a"]));
        Assert.Equal(1UL, DesiredAppliedMark.Compute(state, "r1", "site-a", ["desired/a"]));
        Assert.Equal(0UL, DesiredAppliedMark.Compute(new RegionState(), "r0", "site-a", ["desired/a"]));
    }

    [Fact]
    public void Compute_ChangeNotInLedger_SkippedByMergeSoNotApplied()
    {
        var state = new RegionState();
        var change = new DesiredChange("r0", "site-a", 1, "desired/a", [1], T);

        // A ledger that forgot the change: the merge skips the write, and the region keeps resending it.
        ApplyCounts counts = SiteLogApplier.ApplyEntries(state, "site-a", 5, [Entry(1, change)], DesiredChangeLedger.Empty);

        Assert.Equal(1, counts.OwnershipViolations);
        Assert.Equal(0UL, DesiredAppliedMark.Compute(state, "r0", "site-a", ["desired/a"]));
    }

    private static DataEntry Entry(ulong index, DesiredChange change)
    {
        var stamp = new HlcTimestamp(T.WallMs + (long)index, 0);
        return new DataEntry(index, stamp, [change.ToOperation(stamp, "n1")]);
    }

    private static (RegionState, DesiredChangeLedger) Applied(string site, params (string Region, string Key)[] changes)
    {
        var ledger = new DesiredChangeLedger();
        var state = new RegionState();
        var entries = new List<DataEntry>();
        var next = new Dictionary<string, ulong>();
        foreach ((string region, string key) in changes)
        {
            ulong seq = next[region] = next.GetValueOrDefault(region) + 1;
            var change = new DesiredChange(region, site, seq, key, [(byte)seq], T);
            ledger.Add(change);
            entries.Add(Entry((ulong)entries.Count + 1, change));
        }

        SiteLogApplier.ApplyEntries(state, site, 5, entries, ledger);
        return (state, ledger);
    }
}
