using Grey.Region.Ingest;
using Grey.Region.Quotas;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Region.Tests.Quotas;

public sealed class AckGovernorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));

    /// <summary>2 deltas/s with a 2 s burst: 4 deltas pass at once, the 5th puts the site 1 delta (0.5 s) in debt.</summary>
    private AckGovernor Governor(QuotaOptions? options = null) =>
        new(options ?? new QuotaOptions { Default = new SiteQuota(2, 0), Burst = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(5) }, _time);

    private static SignedAck Ack(string site, ulong index) => new(site, 7, index, [(byte)index]);

    [Fact]
    public void Admit_QuietSite_NeverDelayed()
    {
        AckGovernor g = Governor();
        for (ulong i = 1; i <= 50; i++)
        {
            g.Charge("quiet", 500);
            IReadOnlyList<SignedAck> sent = g.Admit([Ack("quiet", i)]);
            Assert.Equal([i], sent.Select(a => a.MergedIndex));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        SiteQuotaStatus status = g.Status("quiet")!;
        Assert.False(status.Throttled);
        Assert.Equal(0, status.AcksDelayed);
        Assert.Equal(0, status.DelaySecondsTotal);
    }

    [Fact]
    public void Admit_OverQuota_HeldUntilDueThenReleased()
    {
        AckGovernor g = Governor();
        for (int i = 0; i < 6; i++)
        {
            g.Charge("noisy", 100);
        }

        // Six deltas against four tokens: 2 in debt at 2/s, so the ack is due in 1 s.
        Assert.Empty(g.Admit([Ack("noisy", 6)]));
        SiteQuotaStatus held = g.Status("noisy")!;
        Assert.True(held.Throttled);
        Assert.Equal(6UL, held.HeldAckIndex);
        Assert.Equal(1, held.AcksDelayed);
        Assert.Equal(1, held.DelayRemaining.TotalSeconds, 6);

        _time.Advance(TimeSpan.FromSeconds(0.9));
        Assert.Empty(g.ReleaseDue());
        Assert.Empty(g.Admit([]));

        _time.Advance(TimeSpan.FromSeconds(0.1));
        IReadOnlyList<SignedAck> released = g.ReleaseDue();
        Assert.Equal([6UL], released.Select(a => a.MergedIndex));
        SiteQuotaStatus after = g.Status("noisy")!;
        Assert.False(after.Throttled);
        Assert.Null(after.HeldAckIndex);
        Assert.Equal(1, after.DelaySecondsTotal, 6);
        Assert.Empty(g.ReleaseDue());
    }

    [Fact]
    public void Admit_NewerAckWhileHeld_NewestWinsAndOlderNeverSent()
    {
        AckGovernor g = Governor();
        for (int i = 0; i < 6; i++)
        {
            g.Charge("noisy", 100);
        }

        Assert.Empty(g.Admit([Ack("noisy", 6)]));
        _time.Advance(TimeSpan.FromSeconds(0.5));
        g.Charge("noisy", 100);
        Assert.Empty(g.Admit([Ack("noisy", 7)]));
        Assert.Equal(7UL, g.Status("noisy")!.HeldAckIndex);
        Assert.Equal(1, g.HeldCount);

        // Debt was 2, refilled 1, charged 1: 2 tokens short at 2/s, due 1 s after the second charge.
        _time.Advance(TimeSpan.FromSeconds(1));
        IReadOnlyList<SignedAck> released = g.ReleaseDue();
        Assert.Equal([7UL], released.Select(a => a.MergedIndex));
        SiteQuotaStatus s = g.Status("noisy")!;
        Assert.Equal(2, s.AcksDelayed);
        Assert.Equal(1.5, s.DelaySecondsTotal, 6);
    }

    [Fact]
    public void Admit_NoisyAndQuiet_OnlyNoisyHeld()
    {
        AckGovernor g = Governor();
        for (int i = 0; i < 10; i++)
        {
            g.Charge("noisy", 100);
        }

        g.Charge("quiet", 100);
        IReadOnlyList<SignedAck> sent = g.Admit([Ack("noisy", 10), Ack("quiet", 1)]);
        Assert.Equal(["quiet"], sent.Select(a => a.Site));
        Assert.True(g.Status("noisy")!.Throttled);
        Assert.False(g.Status("quiet")!.Throttled);
    }

    [Fact]
    public void Admit_DueHeldAndNewAckOfSameSite_OnlyNewestSent()
    {
        AckGovernor g = Governor();
        for (int i = 0; i < 5; i++)
        {
            g.Charge("noisy", 100);
        }

        Assert.Empty(g.Admit([Ack("noisy", 5)]));
        _time.Advance(TimeSpan.FromSeconds(3));
        g.Charge("noisy", 100);

        // The held ack (5) is due, but the newer one (6) covers it: only 6 goes out, and the hold ends.
        IReadOnlyList<SignedAck> sent = g.Admit([Ack("noisy", 6)]);
        Assert.Equal([6UL], sent.Select(a => a.MergedIndex));
        Assert.Null(g.Status("noisy")!.HeldAckIndex);
        Assert.Equal(3, g.Status("noisy")!.DelaySecondsTotal, 6);
    }

    [Fact]
    public void Admit_ByteQuota_DelaysBySize()
    {
        AckGovernor g = Governor(new QuotaOptions { Default = new SiteQuota(0, 1000), Burst = TimeSpan.FromSeconds(1) });
        g.Charge("big", 3000);
        Assert.Empty(g.Admit([Ack("big", 1)]));
        Assert.Equal(2, g.Status("big")!.DelayRemaining.TotalSeconds, 6);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Single(g.ReleaseDue());
    }

    [Fact]
    public void Admit_HugeBurst_HeldAtMostMaxDelay()
    {
        AckGovernor g = Governor();
        for (int i = 0; i < 10_000; i++)
        {
            g.Charge("noisy", 100);
        }

        Assert.Empty(g.Admit([Ack("noisy", 10_000)]));
        Assert.Equal(5, g.Status("noisy")!.DelayRemaining.TotalSeconds, 6);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(g.ReleaseDue());
    }

    [Fact]
    public void Admit_Unlimited_PassesEverythingAndMetersNothing()
    {
        AckGovernor g = Governor(QuotaOptions.Unlimited);
        for (int i = 0; i < 1000; i++)
        {
            g.Charge("noisy", 1 << 20);
        }

        Assert.Single(g.Admit([Ack("noisy", 1000)]));
        Assert.Null(g.Status("noisy"));
        Assert.Empty(g.Statuses());
    }

    [Fact]
    public void Admit_OverrideUnlimitedForOneSite_ThatSiteNeverHeld()
    {
        AckGovernor g = Governor(new QuotaOptions
        {
            Default = new SiteQuota(1, 0),
            Overrides = new Dictionary<string, SiteQuota>(StringComparer.Ordinal) { ["vip"] = SiteQuota.Unlimited, ["slow"] = new SiteQuota(0.5, 0) },
        });
        for (int i = 0; i < 20; i++)
        {
            g.Charge("vip", 10);
            g.Charge("other", 10);
        }

        IReadOnlyList<SignedAck> sent = g.Admit([Ack("vip", 20), Ack("other", 20)]);
        Assert.Equal(["vip"], sent.Select(a => a.Site));
        Assert.Equal(0.5, new QuotaOptions { Overrides = new Dictionary<string, SiteQuota> { ["slow"] = new SiteQuota(0.5, 0) } }.For("slow").DeltasPerSecond);
    }

    [Fact]
    public void Charge_TableFull_IdleSitesPrunedThenUnmetered()
    {
        AckGovernor g = Governor(new QuotaOptions { Default = new SiteQuota(1, 0), MaxSites = 2, Burst = TimeSpan.FromSeconds(1) });
        g.Charge("a", 1);
        g.Charge("b", 1);
        g.Charge("b", 1);
        Assert.Empty(g.Admit([Ack("b", 2)]));

        // "a" refills and is pruned to make room for "c"; "b" holds an ack and is kept; then "d" finds no room.
        _time.Advance(TimeSpan.FromSeconds(1));
        g.Charge("c", 1);
        Assert.Null(g.Status("a"));
        Assert.NotNull(g.Status("b"));
        g.Charge("c", 1);
        g.Charge("d", 1);
        Assert.Equal(1, g.Unmetered);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => Governor(new QuotaOptions { Default = new SiteQuota(-1, 0) }));
        Assert.Throws<ArgumentException>(() => Governor(new QuotaOptions { MaxDelay = TimeSpan.Zero }));
    }
}
