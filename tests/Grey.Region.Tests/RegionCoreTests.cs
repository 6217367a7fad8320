using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using Grey.Federation.State;
using Grey.Region.Ingest;
using Grey.Region.Registry;
using Grey.Region.Status;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests;

public sealed partial class RegionCoreTests
{
    [Fact]
    public async Task IngestDelta_ValidDelta_MergedAndAckedOnlyAtFlush()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var fs = new CrashingFileSystem();
        using RegionCore region = h.Open(fs);

        IngestResult r = region.IngestDelta(h.SiteA.Signed(1, 5, h.A1.Certificate), "site-a");

        Assert.Equal(IngestStatus.Merged, r.Status);
        Assert.Equal(5UL, r.MergedIndex);
        Assert.Equal(10, r.OperationsApplied);
        Assert.Equal(0, r.OwnershipSkips);
        Assert.Equal(5L, region.State.GetCounterValue("", "shared/count"));

        IReadOnlyList<SignedAck> acks = region.Flush();
        SignedAck ack = Assert.Single(acks);
        Assert.Equal(("site-a", h.SiteA.Epoch, 5UL), (ack.Site, ack.Epoch, ack.MergedIndex));
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(ack.Wire);
        Assert.True(env.IsSuccess);
        Assert.True(env.Value.Verify(_ => RegionHarness.R0Certificate).IsValid);
        RegionAck decoded = RegionAck.Decode(env.Value!.Content).Value!;
        Assert.Equal("r0", decoded.Region);
        Assert.Equal(5UL, decoded.MergedIndex);
        Assert.True(decoded.ChainHash.SequenceEqual(h.SiteA.ChainAt(5)));
        Assert.Empty(region.Flush());
        Assert.Equal(1, region.Metrics.Merged);
    }

    [Fact]
    public async Task IngestDelta_Duplicate_ReackedAndNeverMergedTwice()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using RegionCore region = h.Open(new CrashingFileSystem());
        byte[] wire = h.SiteA.Signed(1, 5, h.A1.Certificate);
        Assert.Equal(IngestStatus.Merged, region.IngestDelta(wire, "site-a").Status);
        _ = region.Flush();
        byte[] hash = region.ComputeStateHash();

        IngestResult again = region.IngestDelta(wire, "site-a");
        IngestResult overlap = region.IngestDelta(h.SiteA.Signed(2, 4, h.A2.Certificate), "site-a");

        Assert.Equal(IngestStatus.Duplicate, again.Status);
        Assert.Equal(IngestStatus.Duplicate, overlap.Status);
        Assert.Equal(hash, region.ComputeStateHash());
        Assert.Equal(5L, region.State.GetCounterValue("", "shared/count"));
        Assert.Equal(2, region.Metrics.Duplicates);
        SignedAck ack = Assert.Single(region.Flush());
        Assert.Equal(5UL, ack.MergedIndex);
    }

    [Fact]
    public async Task IngestDelta_OverlappingBatch_MergesOnlyTheNewPart()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using RegionCore region = h.Open(new CrashingFileSystem());
        Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(1, 5, h.A1.Certificate), "site-a").Status);

        IngestResult r = region.IngestDelta(h.SiteA.Signed(3, 8, h.A2.Certificate), "site-a");

        Assert.Equal(IngestStatus.Merged, r.Status);
        Assert.Equal(8UL, r.MergedIndex);
        Assert.Equal(8L, region.State.GetCounterValue("", "shared/count"));
    }

    [Fact]
    public async Task IngestDelta_Gap_HeldWithNakThenReleasedWhenFilled()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using RegionCore region = h.Open(new CrashingFileSystem());
        Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(1, 3, h.A1.Certificate), "site-a").Status);

        IngestResult far = region.IngestDelta(h.SiteA.Signed(7, 9, h.A1.Certificate), "site-a");
        IngestResult near = region.IngestDelta(h.SiteA.Signed(4, 5, h.A1.Certificate), "site-a");

        Assert.Equal(IngestStatus.Gap, far.Status);
        Assert.True(far.Held);
        Assert.Equal(new Nak("r0", "site-a", h.SiteA.Epoch, 4), far.Nak);
        Assert.Equal(IngestStatus.Merged, near.Status);
        Assert.Equal(0, near.Released);
        Assert.Equal(1, region.HeldCount);
        Assert.Equal(5UL, Assert.Single(region.Flush()).MergedIndex);

        IngestResult fill = region.IngestDelta(h.SiteA.Signed(6, 6, h.A2.Certificate), "site-a");

        Assert.Equal(IngestStatus.Merged, fill.Status);
        Assert.Equal(1, fill.Released);
        Assert.Equal(9UL, fill.MergedIndex);
        Assert.Equal(0, region.HeldCount);
        Assert.Equal(9L, region.State.GetCounterValue("", "shared/count"));
        Assert.Equal(9UL, Assert.Single(region.Flush()).MergedIndex);
        Assert.Equal(1, region.Metrics.Gaps);
        Assert.Equal(1, region.Metrics.Released);
    }

    [Fact]
    public async Task IngestDelta_HoldFull_DropsFarthestAndStillNaks()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using RegionCore region = h.Open(new CrashingFileSystem(), new RegionOptions { MaxHeldPerSiteEpoch = 2, MaxHeldTotal = 2 });

        Assert.True(region.IngestDelta(h.SiteA.Signed(5, 5, h.A1.Certificate), "site-a").Held);
        Assert.True(region.IngestDelta(h.SiteA.Signed(3, 3, h.A1.Certificate), "site-a").Held);
        IngestResult dropped = region.IngestDelta(h.SiteA.Signed(7, 7, h.A1.Certificate), "site-a");

        Assert.Equal(IngestStatus.Gap, dropped.Status);
        Assert.False(dropped.Held);
        Assert.Equal(1UL, dropped.Nak!.FirstMissingIndex);
        Assert.Equal(2, region.HeldCount);
        Assert.Equal(1, region.Metrics.GapsDropped);
    }

    [Fact]
    public async Task IngestDelta_SignerRevokedWhileHeld_QuarantinedOnRelease()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using RegionCore region = h.Open(new CrashingFileSystem());
        Assert.Equal(IngestStatus.Gap, region.IngestDelta(h.SiteA.Signed(4, 6, h.A2.Certificate), "site-a").Status);
        Assert.True(h.Registry.Revoke("a2"));

        IngestResult fill = region.IngestDelta(h.SiteA.Signed(1, 3, h.A1.Certificate), "site-a");

        Assert.Equal(IngestStatus.Merged, fill.Status);
        Assert.Equal(0, fill.Released);
        Assert.Equal(3UL, fill.MergedIndex);
        Assert.Equal(RejectReason.NodeRevoked, Assert.Single(region.Quarantine.List()).Reason);
    }

    [Fact]
    public async Task IngestDelta_CheckpointDeltaOverFoldedHistory_MergedDurablyThenContinues()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var fs = new CrashingFileSystem();
        byte[] hash;
        using (RegionCore region = h.Open(fs))
        {
            Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(1, 3, h.A1.Certificate), "site-a").Status);

            IngestResult folded = region.IngestDelta(h.SiteA.SignedCheckpoint(20, h.A2.Certificate), "site-a");

            Assert.Equal(IngestStatus.Merged, folded.Status);
            Assert.Equal(20UL, folded.MergedIndex);
            Assert.Equal(IngestStatus.Duplicate, region.IngestDelta(h.SiteA.SignedCheckpoint(20, h.A2.Certificate), "site-a").Status);
            Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(21, 22, h.A1.Certificate), "site-a").Status);
            Assert.Equal(22UL, Assert.Single(region.Flush()).MergedIndex);
            hash = region.ComputeStateHash();
        }

        using RegionCore direct = h.Open(new CrashingFileSystem());
        Assert.Equal(IngestStatus.Merged, direct.IngestDelta(h.SiteA.Signed(1, 22, h.A1.Certificate), "site-a").Status);
        Assert.Equal(direct.ComputeStateHash(), hash);
        using RegionCore reopened = h.Open(fs.AfterCrash());
        Assert.Equal(hash, reopened.ComputeStateHash());
    }

    [Fact]
    public async Task GetSiteStatus_AfterMerges_ReportsIndexLagLastSeenAndAttestation()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using RegionCore region = h.Open(new CrashingFileSystem());
        DateTimeOffset at = h.Fleet.Time.GetUtcNow();
        Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(1, 7, h.A1.Certificate), "site-a").Status);
        region.ReportCommittedIndex("site-a", 12);
        h.Registry.Revoke("a2");

        SiteStatus status = region.GetSiteStatus("site-a")!;

        Assert.Equal(h.SiteA.Epoch, status.Epoch);
        Assert.Equal(7UL, status.MergedIndex);
        Assert.Equal(12UL, status.ReportedCommittedIndex);
        Assert.Equal(5UL, status.Lag);
        Assert.Equal(at, status.LastSeen);
        Assert.Equal(["a1", "a2"], status.Nodes.Select(n => n.NodeId));
        Assert.All(status.Nodes, n => Assert.Equal(NodeAttestation.Passing, n.Attestation));
        Assert.Equal([false, true], status.Nodes.Select(n => n.Revoked));
        Assert.Null(region.GetSiteStatus("site-z"));
        Assert.Equal(["site-a", "site-b"], region.GetSites().Select(s => s.Site));
        Assert.Null(region.GetSiteStatus("site-b")!.Lag);
    }
}
