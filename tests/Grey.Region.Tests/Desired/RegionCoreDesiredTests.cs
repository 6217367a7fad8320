using Grey.Federation.Clock;
using Grey.Federation.Merge;
using Grey.Federation.Messages;
using Grey.Federation.State;
using Grey.Region.Desired;
using Grey.Region.Ingest;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests.Desired;

/// <summary>The region core with a desired-change ledger: a site's application of an issued change merges, replays and marks it applied.</summary>
public sealed class RegionCoreDesiredTests
{
    private static readonly HlcTimestamp T = new(1_764_000_000_000, 0);

    [Fact]
    public async Task IngestDelta_AppliesIssuedChange_MergedAndReadAsApplied()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var ledger = new DesiredChangeLedger();
        var change = new DesiredChange("r0", "site-a", 1, "desired/fan", "on"u8.ToArray(), T);
        ledger.Add(change);
        var log = new DesiredSiteLog("r0", "site-a", 9).Put("temp", [21]).Apply(change);
        using RegionCore region = Open(h, new CrashingFileSystem(), ledger);

        IngestResult r = region.IngestDelta(log.Signed(1, 2, h.A1.Certificate), "site-a");

        Assert.Equal(IngestStatus.Merged, r.Status);
        Assert.Equal(0, r.OwnershipSkips);
        Assert.True(region.State.TryGetRegister("site-a", "desired/fan", out Register reg));
        Assert.Equal("on"u8.ToArray(), reg.Value.ToArray());
        Assert.Equal(1UL, DesiredAppliedMark.Compute(region.State, "r0", "site-a", ["desired/fan"]));
    }

    [Fact]
    public async Task Open_ReplayWithLedger_SameStateAndAppliedMark_WithoutLedger_DesiredWriteLost()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var ledger = new DesiredChangeLedger();
        var change = new DesiredChange("r0", "site-a", 1, "desired/fan", "on"u8.ToArray(), T);
        ledger.Add(change);
        var fs = new CrashingFileSystem();
        byte[] hash;
        using (RegionCore region = Open(h, fs, ledger))
        {
            Assert.Equal(IngestStatus.Merged, region.IngestDelta(new DesiredSiteLog("r0", "site-a", 9).Apply(change).Signed(1, 1, h.A1.Certificate), "site-a").Status);
            _ = region.Flush();
            hash = region.ComputeStateHash();
        }

        using (RegionCore reopened = Open(h, fs.AfterCrash(), ledger))
        {
            Assert.Equal(hash, reopened.ComputeStateHash());
            Assert.Equal(1UL, DesiredAppliedMark.Compute(reopened.State, "r0", "site-a", ["desired/fan"]));
        }

        // The hazard the daemon's journal exists for: a region that forgot its issued changes replays the log with
        // the desired write skipped, so its state differs from the one it acknowledged.
        using RegionCore forgetful = Open(h, fs.AfterCrash(), DesiredChangeLedger.Empty);
        Assert.NotEqual(hash, forgetful.ComputeStateHash());
        Assert.False(forgetful.State.TryGetRegister("site-a", "desired/fan", out _));
    }

    [Fact]
    public async Task IngestDelta_SameSequenceForTwoSites_EachMergesItsOwnChange()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var ledger = new DesiredChangeLedger();
        var forA = new DesiredChange("r0", "site-a", 1, "desired/fan", "a"u8.ToArray(), T);
        var forB = new DesiredChange("r0", "site-b", 1, "desired/fan", "b"u8.ToArray(), T);
        ledger.Add(forA);
        ledger.Add(forB);
        using RegionCore region = Open(h, new CrashingFileSystem(), ledger);

        IngestResult a = region.IngestDelta(new DesiredSiteLog("r0", "site-a", 9).Apply(forA).Signed(1, 1, h.A1.Certificate), "site-a");
        IngestResult b = region.IngestDelta(new DesiredSiteLog("r0", "site-b", 3).Apply(forB).Signed(1, 1, h.B1.Certificate), "site-b");

        Assert.Equal((IngestStatus.Merged, 0), (a.Status, a.OwnershipSkips));
        Assert.Equal((IngestStatus.Merged, 0), (b.Status, b.OwnershipSkips));
        Assert.True(region.State.TryGetRegister("site-b", "desired/fan", out Register reg));
        Assert.Equal("b"u8.ToArray(), reg.Value.ToArray());
    }

    private static RegionCore Open(RegionHarness h, CrashingFileSystem fs, IDesiredChangeLedger ledger) =>
        RegionCore.Open("r0", RegionHarness.R0Certificate, h.Registry, fs, h.Fleet.Time, ledger: ledger);
}
