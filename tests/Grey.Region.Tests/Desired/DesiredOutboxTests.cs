using Grey.Federation.Clock;
using Grey.Federation.Messages;
using Grey.Region.Desired;

namespace Grey.Region.Tests.Desired;

public sealed class DesiredOutboxTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly DesiredOptions Options = new() { MaxChangesPerRound = 3, ResendInterval = TimeSpan.FromSeconds(10), MinReportResendGap = TimeSpan.FromSeconds(2) };

    private int _signed;

    [Fact]
    public void TakeDue_AfterIssue_SendsPendingInOrderOnce()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 2);

        IReadOnlyList<DesiredSend> sends = outbox.TakeDue(T0);

        Assert.Equal([1UL, 2UL], sends.Select(s => s.Sequence));
        Assert.All(sends, s => Assert.False(s.Resend));
        Assert.Empty(outbox.TakeDue(T0 + TimeSpan.FromSeconds(1)));
        Assert.Equal(2, outbox.FirstSends);
        Assert.Equal(0, outbox.Resends);
    }

    [Fact]
    public void TakeDue_IssueWhileOthersPending_SendsFromAppliedMarkOn()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 1);
        outbox.TakeDue(T0);
        Issue(outbox, "site-a", 1);

        IReadOnlyList<DesiredSend> sends = outbox.TakeDue(T0 + TimeSpan.FromSeconds(1));

        // The edge only takes the next change in order, so the unapplied first one goes again with the new one.
        Assert.Equal([(1UL, true), (2UL, false)], sends.Select(s => (s.Sequence, s.Resend)));
    }

    [Fact]
    public void TakeDue_ResendIntervalPassed_ResendsPending()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 2);
        outbox.TakeDue(T0);

        Assert.Empty(outbox.TakeDue(T0 + TimeSpan.FromSeconds(9)));
        IReadOnlyList<DesiredSend> again = outbox.TakeDue(T0 + TimeSpan.FromSeconds(10));

        Assert.Equal([1UL, 2UL], again.Select(s => s.Sequence));
        Assert.All(again, s => Assert.True(s.Resend));
        Assert.Equal(2, outbox.Resends);
    }

    [Fact]
    public void MarkApplied_AllApplied_StopsResends()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 2);
        outbox.TakeDue(T0);

        Assert.True(outbox.MarkApplied("site-a", 2));

        Assert.Equal(0UL, outbox.PendingOf("site-a"));
        Assert.Empty(outbox.TakeDue(T0 + TimeSpan.FromMinutes(5)));
        Assert.Null(outbox.NextDueIn(T0 + TimeSpan.FromMinutes(5)));
        Assert.All(outbox.List("site-a"), c => Assert.True(c.Applied));
    }

    [Fact]
    public void MarkApplied_PartlyApplied_ResendsOnlyTheRest()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 3);
        outbox.TakeDue(T0);
        outbox.MarkApplied("site-a", 1);

        IReadOnlyList<DesiredSend> again = outbox.TakeDue(T0 + TimeSpan.FromSeconds(10));

        Assert.Equal([2UL, 3UL], again.Select(s => s.Sequence));
        Assert.Equal([true, false, false], outbox.List("site-a").Select(c => c.Applied));
    }

    [Fact]
    public void MarkApplied_NeverGoesBackAndClampsToIssued()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 2);

        Assert.True(outbox.MarkApplied("site-a", 2));
        Assert.False(outbox.MarkApplied("site-a", 1));
        Assert.Equal(2UL, outbox.AppliedOf("site-a"));
        Assert.False(outbox.MarkApplied("site-a", 99));
        Assert.Equal(2UL, outbox.AppliedOf("site-a"));
        Assert.False(outbox.MarkApplied("site-z", 1));
    }

    [Fact]
    public void TakeDue_ManyPending_BoundedPerRoundAndNextRoundWhenApplied()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 7);

        Assert.Equal([1UL, 2UL, 3UL], outbox.TakeDue(T0).Select(s => s.Sequence));
        Assert.Empty(outbox.TakeDue(T0 + TimeSpan.FromSeconds(1)));

        // The site applied the round: the next one goes at once, not after the resend interval.
        outbox.MarkApplied("site-a", 3);
        Assert.Equal([4UL, 5UL, 6UL], outbox.TakeDue(T0 + TimeSpan.FromSeconds(1)).Select(s => s.Sequence));
    }

    [Fact]
    public void SiteReported_PendingAfterMinGap_DueAtOnce()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 1);
        outbox.TakeDue(T0);

        outbox.SiteReported("site-a", T0 + TimeSpan.FromSeconds(1));
        Assert.Empty(outbox.TakeDue(T0 + TimeSpan.FromSeconds(1)));

        outbox.SiteReported("site-a", T0 + TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.Zero, outbox.NextDueIn(T0 + TimeSpan.FromSeconds(3)));
        Assert.Equal([1UL], outbox.TakeDue(T0 + TimeSpan.FromSeconds(3)).Select(s => s.Sequence));
    }

    [Fact]
    public void SiteReported_NothingPending_NothingSent()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 1);
        outbox.TakeDue(T0);
        outbox.MarkApplied("site-a", 1);

        outbox.SiteReported("site-a", T0 + TimeSpan.FromSeconds(30));

        Assert.Empty(outbox.TakeDue(T0 + TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Add_SequencePerSite_TwoSitesBothStartAtOne()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 2);
        Issue(outbox, "site-b", 1);

        Assert.Equal(3UL, outbox.NextSequence("site-a"));
        Assert.Equal(2UL, outbox.NextSequence("site-b"));
        Assert.Equal([("site-a", 1UL), ("site-a", 2UL), ("site-b", 1UL)], outbox.TakeDue(T0).Select(s => (s.Site, s.Sequence)));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(2UL)]
    public void Add_SequenceNotNext_Throws(ulong sequence)
    {
        DesiredOutbox outbox = New();
        Assert.Throws<InvalidOperationException>(() => outbox.Add(Change("site-a", sequence)));
    }

    [Fact]
    public void Add_OtherRegionsChange_Throws()
    {
        DesiredOutbox outbox = New();
        Assert.Throws<InvalidOperationException>(() => outbox.Add(new DesiredChange("r9", "site-a", 1, "desired/x", [1], new HlcTimestamp(1, 0))));
    }

    [Fact]
    public void Add_Full_RefusedByIsFullAndThrows()
    {
        var outbox = new DesiredOutbox("r0", Options with { MaxIssuedChanges = 2 }, Sign);
        Issue(outbox, "site-a", 2);

        Assert.True(outbox.IsFull);
        Assert.Throws<InvalidOperationException>(() => outbox.Add(Change("site-a", 3)));
    }

    [Fact]
    public void TakeDue_Resend_SignsEachChangeOnce()
    {
        DesiredOutbox outbox = New();
        Issue(outbox, "site-a", 2);
        Assert.Equal(0, _signed);

        IReadOnlyList<DesiredSend> first = outbox.TakeDue(T0);
        IReadOnlyList<DesiredSend> again = outbox.TakeDue(T0 + TimeSpan.FromSeconds(10));

        Assert.Equal(2, _signed);
        Assert.Same(first[0].Signed, again[0].Signed);
    }

    [Fact]
    public void Validate_BadOptions_EveryErrorListed()
    {
        IReadOnlyList<string> errors = new DesiredOptions { MaxChangesPerRound = 0, ResendInterval = TimeSpan.Zero, MinReportResendGap = TimeSpan.FromSeconds(-1), MaxIssuedChanges = 0 }.Validate();
        Assert.Equal(4, errors.Count);
        Assert.Throws<ArgumentException>(() => new DesiredOutbox("r0", new DesiredOptions { MaxChangesPerRound = 0 }, Sign));
    }

    private static DesiredChange Change(string site, ulong sequence) =>
        new("r0", site, sequence, $"desired/k{sequence}", [(byte)sequence], new HlcTimestamp(1_764_000_000_000 + (long)sequence, 0));

    private DesiredOutbox New() => new("r0", Options, Sign);

    private byte[] Sign(DesiredChange change)
    {
        _signed++;
        return change.Encode();
    }

    private static void Issue(DesiredOutbox outbox, string site, int count)
    {
        for (int i = 0; i < count; i++)
        {
            outbox.Add(Change(site, outbox.NextSequence(site)));
        }
    }
}
