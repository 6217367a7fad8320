using System.Security.Cryptography.X509Certificates;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Hosting;
using Grey.Region.Ingest;
using Grey.Region.Registry;
using Grey.Region.Tests.Support;

namespace Grey.Region.Daemon.Tests.RegionHosting;

/// <summary>The transport-neutral loop step (Grey.Region.Hosting.RegionHost), no broker.</summary>
public sealed class RegionHostTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("h0");

    [Fact]
    public async Task Step_FsyncFails_SettlesAndAcksNothingReopensAndTheRedeliveryIsAcked()
    {
        NodeRegistry registry = f.Fleet.NewRegistry();
        await f.Fleet.AdmitAsync(registry, f.A1);
        var fs = new FlakyFileSystem(f.NewFolder());
        using var host = new RegionHost(() => RegionCore.Open("h0", Cert, registry, fs, f.Fleet.Time), f.Fleet.Time, new RegionHostOptions { PublishRegionDeltas = false });
        var log = new SiteLog("site-a", 41, 10, region: "h0");

        RegionStepOutput first = host.Step([new InboundDelta("site-a", log.Signed(1, 5, f.A1.Certificate), 7, 1)], []);
        Assert.False(first.Failed);
        Assert.Equal(5UL, Assert.Single(first.Acks).MergedIndex);
        Assert.Equal(1, Assert.Single(first.Settle).DeliveryToken);
        Assert.Null(first.RegionDelta);

        fs.FailSync = true;
        var second = new InboundDelta("site-a", log.Signed(6, 10, f.A1.Certificate), 10, 2);
        RegionStepOutput failed = host.Step([second], []);
        fs.FailSync = false;

        Assert.True(failed.Failed);
        Assert.Empty(failed.Acks);
        Assert.Empty(failed.Settle);
        Assert.Equal(2, Assert.Single(failed.Release).DeliveryToken);
        Assert.Equal(1, host.Metrics.Reopens);

        // The broker redelivers the unsettled message to the reopened core: merged (or, when the unsynced record
        // survived in the page cache and replayed, a duplicate), acknowledged at 10 either way.
        RegionStepOutput redelivered = host.Step([second with { DeliveryToken = 3 }], []);
        Assert.Equal(10UL, Assert.Single(redelivered.Acks).MergedIndex);
        Assert.Equal(3, Assert.Single(redelivered.Settle).DeliveryToken);
        Assert.Equal(10L, host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }

    [Fact]
    public async Task Step_GapAndRejected_NakEncodedAndEverythingSettledAfterTheFlush()
    {
        NodeRegistry registry = f.Fleet.NewRegistry();
        await f.Fleet.AdmitAsync(registry, f.A1);
        using var host = new RegionHost(() => RegionCore.Open("h1", Cert, registry, new FlakyFileSystem(f.NewFolder()), f.Fleet.Time), f.Fleet.Time);
        var log = new SiteLog("site-a", 42, 10, region: "h1");

        RegionStepOutput o = host.Step(
            [new InboundDelta("site-a", log.Signed(6, 10, f.A1.Certificate), null, 1), new InboundDelta("site-a", "junk"u8.ToArray(), 99, 2)], []);

        (string site, byte[] nak) = Assert.Single(o.Naks);
        Assert.Equal("site-a", site);
        Grey.Federation.Messages.SiteNak decoded = Grey.Federation.Messages.SiteNak.Decode(nak).Value!;
        Assert.Equal(("h1", 42UL, 1UL), (decoded.Region, decoded.Epoch, decoded.FirstMissingIndex));
        Assert.Equal([IngestStatus.Gap, IngestStatus.Rejected], o.Results.Select(r => r.Status));
        Assert.Equal(2, o.Settle.Count);
        Assert.Empty(o.Acks);

        // A region without peer regions exports nothing (RegionHostExportTests covers the export with peers).
        Assert.Null(o.RegionDelta);

        // A rejected message's Grey-Committed header never moves the reported index.
        Assert.Null(host.Read(c => c.GetSiteStatus("site-a")!.ReportedCommittedIndex));
    }
}
