using Grey.Region.Hosting;
using Grey.Region.Ingest;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests.Hosting;

/// <summary>
/// The region delta export of <see cref="RegionHost.Step"/>: none without peer regions; with peers, a whole state
/// first and every <see cref="RegionHostOptions.RegionDeltaRepeat"/>, and in between only what changed, which brings
/// a peer to the same state (G5) as whole exports do; a peer that missed one is repaired by the next whole export.
/// </summary>
public sealed class RegionHostExportTests
{
    private static readonly RegionHostOptions Options = new()
    {
        RegionDeltaInterval = TimeSpan.FromSeconds(2),
        RegionDeltaRepeat = TimeSpan.FromSeconds(60),
    };

    [Fact]
    public async Task Step_NoPeerRegions_NeverExports()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(
            () => RegionCore.Open("r0", RegionHarness.R0Certificate, h.Registry, new CrashingFileSystem(), h.Fleet.Time),
            h.Fleet.Time, Options);

        RegionStepOutput first = host.Step([Delta(h, 1, 10)], []);
        h.Fleet.Time.Advance(TimeSpan.FromMinutes(2));
        RegionStepOutput second = host.Step([Delta(h, 11, 20)], []);

        Assert.Equal(IngestStatus.Merged, first.Results[0].Status);
        Assert.Equal(IngestStatus.Merged, second.Results[0].Status);
        Assert.Null(first.RegionDelta);
        Assert.Null(second.RegionDelta);
        Assert.Equal(0, host.Metrics.RegionDeltasFull);
    }

    [Fact]
    public async Task Step_WithPeers_WholeThenChangesOnly_PeerConvergesAsWithWholeExport()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, Options);
        using RegionCore incremental = h.Open(new CrashingFileSystem(), region: "r1");
        using RegionCore whole = h.Open(new CrashingFileSystem(), region: "r1");
        MergeOwnSite(h, incremental, whole);

        List<byte[]> exports = Rounds(h, host);

        foreach (byte[] export in exports)
        {
            Assert.Equal(IngestStatus.Merged, incremental.IngestRegionDelta(export, "r0").Status);
        }

        Assert.Equal(IngestStatus.Merged, whole.IngestRegionDelta(host.Read(c => c.ExportRegionDelta()), "r0").Status);
        Assert.Equal(1, host.Metrics.RegionDeltasFull);
        Assert.Equal(whole.ComputeStateHash(), incremental.ComputeStateHash());
        Assert.Equal(22UL, incremental.GetSiteStatus("site-a")!.MergedIndex);
    }

    [Fact]
    public async Task Step_PeerMissedAChangeSet_DivergesUntilTheNextWholeExport()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, Options);
        using RegionCore peer = h.Open(new CrashingFileSystem(), region: "r1");
        List<byte[]> exports = Rounds(h, host);

        // The second export (entries 11-20 of site-a) is lost on the way.
        foreach (byte[] export in exports.Where((_, i) => i != 1))
        {
            _ = peer.IngestRegionDelta(export, "r0");
        }

        Assert.NotEqual(host.Read(c => c.ComputeStateHash()), peer.ComputeStateHash());

        h.Fleet.Time.Advance(Options.RegionDeltaRepeat);
        byte[] repair = Assert.IsType<byte[]>(host.Step([], []).RegionDelta);
        Assert.Equal(2, host.Metrics.RegionDeltasFull);
        Assert.Equal(IngestStatus.Merged, peer.IngestRegionDelta(repair, "r0").Status);
        Assert.Equal(host.Read(c => c.ComputeStateHash()), peer.ComputeStateHash());
    }

    /// <summary>Three rounds of site-a deltas with the exports they produce: whole, then two change sets (the last touches two keys of seven).</summary>
    private static List<byte[]> Rounds(RegionHarness h, RegionHost host)
    {
        var exports = new List<byte[]>();
        RegionStepOutput first = host.Step([Delta(h, 1, 10)], []);
        exports.Add(Assert.IsType<byte[]>(first.RegionDelta));

        // Within the interval nothing is exported; once it has passed, the changes are.
        h.Fleet.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(host.Step([Delta(h, 11, 20)], []).RegionDelta);
        h.Fleet.Time.Advance(TimeSpan.FromSeconds(1));
        exports.Add(Assert.IsType<byte[]>(host.Step([], []).RegionDelta));

        h.Fleet.Time.Advance(Options.RegionDeltaInterval);
        exports.Add(Assert.IsType<byte[]>(host.Step([Delta(h, 21, 22)], []).RegionDelta));

        // Nothing changed since: nothing to export until the whole state is due.
        h.Fleet.Time.Advance(Options.RegionDeltaInterval);
        Assert.Null(host.Step([], []).RegionDelta);
        return exports;
    }

    private static void MergeOwnSite(RegionHarness h, params RegionCore[] cores)
    {
        // The peers hold state of their own (site-b, homed in r1) that the exports must not disturb.
        var siteB = new SiteLog("site-b", 7, 5, region: "r1");
        foreach (RegionCore core in cores)
        {
            Assert.Equal(IngestStatus.Merged, core.IngestDelta(siteB.Signed(1, 5, h.B1.Certificate), "site-b").Status);
            _ = core.Flush();
        }
    }

    private static InboundDelta Delta(RegionHarness h, ulong first, ulong last) =>
        new("site-a", h.SiteA.Signed(first, last, h.A1.Certificate), null, (long)first);
}
