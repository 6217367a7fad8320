using Grey.Federation.Signing;
using Grey.Region.Ingest;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests;

public sealed partial class RegionCoreTests
{
    [Fact]
    public async Task IngestRegionDelta_TwoRegionsExchange_ConvergeToSameStateHash()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var siteB = new SiteLog("site-b", 42, 12, region: "r1");
        var fs0 = new CrashingFileSystem();
        using RegionCore r0 = h.Open(fs0);
        using RegionCore r1 = h.Open(new CrashingFileSystem(), region: "r1");
        Assert.Equal(IngestStatus.Merged, r0.IngestDelta(h.SiteA.Signed(1, 20, h.A1.Certificate), "site-a").Status);
        Assert.Equal(IngestStatus.Merged, r1.IngestDelta(siteB.Signed(1, 12, h.B1.Certificate), "site-b").Status);
        _ = r0.Flush();
        _ = r1.Flush();
        Assert.NotEqual(r0.ComputeStateHash(), r1.ComputeStateHash());

        byte[] from0 = r0.ExportRegionDelta();
        byte[] from1 = r1.ExportRegionDelta();
        Assert.Equal(IngestStatus.Merged, r1.IngestRegionDelta(from0, "r0").Status);
        Assert.Equal(IngestStatus.Merged, r0.IngestRegionDelta(from1, "r1").Status);
        Assert.Equal(IngestStatus.Duplicate, r0.IngestRegionDelta(from1, "r1").Status);
        Assert.Equal(IngestStatus.Duplicate, r0.IngestRegionDelta(r1.ExportRegionDelta(), "r1").Status);

        Assert.Equal(r0.ComputeStateHash(), r1.ComputeStateHash());
        Assert.Equal(32L, r0.State.GetCounterValue("", "shared/count"));

        // The join was made durable at once (a checkpoint): a restart keeps the converged state.
        byte[] hash = r0.ComputeStateHash();
        r0.Dispose();
        using RegionCore restarted = h.Open(fs0.AfterCrash());
        Assert.Equal(hash, restarted.ComputeStateHash());
    }

    [Fact]
    public async Task IngestRegionDelta_JoinClosesGap_ReleasesHeldDelta()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using RegionCore r0 = h.Open(new CrashingFileSystem());
        using RegionCore r1 = h.Open(new CrashingFileSystem(), region: "r1");
        // r1 learned site-a's first part (e.g. from a region that merged it earlier) through a join.
        using RegionCore helper = h.Open(new CrashingFileSystem());
        Assert.Equal(IngestStatus.Merged, helper.IngestDelta(h.SiteA.Signed(1, 5, h.A1.Certificate), "site-a").Status);
        Assert.Equal(IngestStatus.Merged, r1.IngestRegionDelta(helper.ExportRegionDelta(), "r0").Status);
        Assert.Equal(IngestStatus.Gap, r0.IngestDelta(h.SiteA.Signed(6, 8, h.A1.Certificate), "site-a").Status);

        IngestResult joined = r0.IngestRegionDelta(r1.ExportRegionDelta(), "r1");

        Assert.Equal(IngestStatus.Merged, joined.Status);
        Assert.Equal(1, joined.Released);
        Assert.Equal(8UL, r0.GetSiteStatus("site-a")!.MergedIndex);
    }

    [Fact]
    public async Task IngestRegionDelta_UnknownPeerTamperedOrWrongSubject_Rejected()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using RegionCore r0 = h.Open(new CrashingFileSystem());
        using RegionCore r1 = h.Open(new CrashingFileSystem(), region: "r1");
        Assert.Equal(IngestStatus.Merged, r1.IngestDelta(new SiteLog("site-b", 1, 3, region: "r1").Signed(1, 3, h.B1.Certificate), "site-b").Status);
        byte[] good = r1.ExportRegionDelta();
        SignedEnvelope env = SignedEnvelope.Decode(good, Grey.Federation.FederationLimits.MaxRegionStateBytes).Value!;
        byte[] content = env.Content.ToArray();
        content[^1] ^= 0x01;
        byte[] tampered = SignedEnvelope.Encode(content, env.SignedData.Span);
        byte[] hash = r0.ComputeStateHash();

        Assert.Equal(RejectReason.PeerUnknown, r0.IngestRegionDelta(good, "r7").Reason);
        Assert.Equal(RejectReason.PeerUnknown, r0.IngestRegionDelta(good, "r0").Reason);
        Assert.Equal(RejectReason.SignatureInvalid, r0.IngestRegionDelta(tampered, "r1").Reason);
        Assert.Equal(RejectReason.Malformed, r0.IngestRegionDelta("junk"u8.ToArray(), "r1").Reason);
        Assert.Equal(RejectReason.SignatureInvalid, r0.IngestRegionDelta(h.SiteA.Signed(1, 2, h.A1.Certificate), "r1").Reason);
        Assert.Equal(hash, r0.ComputeStateHash());
        Assert.Equal(5, r0.Quarantine.Count);
    }
}
