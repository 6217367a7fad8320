using Grey.Region.Hosting;
using Grey.Region.Quotas;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests.Quotas;

/// <summary>The quota hook in <see cref="RegionHost.Step"/>: real signed deltas, merged and settled at once, acks delayed.</summary>
public sealed class RegionHostQuotaTests
{
    private static readonly QuotaOptions TwoPerSecond = new() { Default = new SiteQuota(2, 0), Burst = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task Step_NoisySiteOverQuota_MergedAndSettledNowAckHeldThenReleasedByAnEmptyTurn()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, new RegionHostOptions { PublishRegionDeltas = false, Quotas = TwoPerSecond });
        var deltas = Enumerable.Range(0, 5).Select(i => new InboundDelta("site-a", h.SiteA.Signed((ulong)(i * 2) + 1, (ulong)(i * 2) + 2, h.A1.Certificate), null, i + 1)).ToList();

        RegionStepOutput o = host.Step(deltas, []);

        // Everything merged and settled with the broker at once; only the acknowledgement waits.
        Assert.Equal(10UL, host.Read(c => c.GetSiteStatus("site-a")!.MergedIndex));
        Assert.Equal(5, o.Settle.Count);
        Assert.Empty(o.Acks);
        SiteQuotaStatus held = host.QuotaStatus("site-a")!;
        Assert.True(held.Throttled);
        Assert.Equal(10UL, held.HeldAckIndex);

        // Five deltas against two tokens at 2/s: due 1.5 s later. A turn with nothing in it releases it.
        h.Fleet.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(host.Step([], []).Acks);
        h.Fleet.Time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(10UL, Assert.Single(host.Step([], []).Acks).MergedIndex);
        Assert.False(host.QuotaStatus("site-a")!.Throttled);
    }

    [Fact]
    public async Task Step_QuietSiteBesideNoisyOne_AckedInTheSameTurn()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, new RegionHostOptions { PublishRegionDeltas = false, Quotas = TwoPerSecond });
        var b = new SiteLog("site-b", 99, 4);
        var batch = Enumerable.Range(0, 6).Select(i => new InboundDelta("site-a", h.SiteA.Signed((ulong)i + 1, (ulong)i + 1, h.A1.Certificate), null, i + 1)).ToList();
        batch.Add(new InboundDelta("site-b", b.Signed(1, 4, h.B1.Certificate), null, 100));

        RegionStepOutput o = host.Step(batch, []);

        Assert.Equal(["site-b"], o.Acks.Select(a => a.Site));
        Assert.True(host.QuotaStatus("site-a")!.Throttled);
        Assert.Equal(0, host.QuotaStatus("site-b")!.AcksDelayed);
    }

    [Fact]
    public async Task Step_RejectedDeltasNamingASite_NotCharged()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, new RegionHostOptions { PublishRegionDeltas = false, Quotas = TwoPerSecond });

        // Forged traffic on site-a's subject (garbage, and site-b's signer) must not throttle site-a.
        var junk = Enumerable.Range(0, 20).Select(i => new InboundDelta("site-a", i % 2 == 0 ? "junk"u8.ToArray() : new SiteLog("site-a", 5, 1).Signed(1, 1, h.B1.Certificate), null, i + 1)).ToList();
        host.Step(junk, []);
        RegionStepOutput o = host.Step([new InboundDelta("site-a", h.SiteA.Signed(1, 2, h.A1.Certificate), null, 99)], []);

        Assert.Equal(2UL, Assert.Single(o.Acks).MergedIndex);
    }

    [Fact]
    public async Task Step_QuotaOff_SameBurstAckedAtOnce()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, new RegionHostOptions { PublishRegionDeltas = false });
        var deltas = Enumerable.Range(0, 5).Select(i => new InboundDelta("site-a", h.SiteA.Signed((ulong)(i * 2) + 1, (ulong)(i * 2) + 2, h.A1.Certificate), null, i + 1)).ToList();

        Assert.Equal(10UL, Assert.Single(host.Step(deltas, []).Acks).MergedIndex);
        Assert.Null(host.QuotaStatus("site-a"));
    }
}
