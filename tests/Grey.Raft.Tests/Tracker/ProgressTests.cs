using Grey.Raft.Tracker;

namespace Grey.Raft.Tests.Tracker;

public sealed class ProgressTests
{
    private static Progress New(ulong match, ulong next) => new(match, next, new Inflights(2, 0), false);

    [Fact]
    public void MaybeDecrTo_Replicate_StaleRejectionIgnored()
    {
        var p = New(5, 10);
        p.BecomeReplicate();
        Assert.False(p.MaybeDecrTo(4, 4));
        Assert.True(p.MaybeDecrTo(8, 2));
        Assert.Equal(6UL, p.Next);
    }

    [Fact]
    public void MaybeDecrTo_Probe_UsesHintButNotBelowMatch()
    {
        var p = New(3, 10);
        Assert.False(p.MaybeDecrTo(5, 2));
        Assert.True(p.MaybeDecrTo(9, 6));
        Assert.Equal(7UL, p.Next);
        Assert.True(p.MaybeDecrTo(6, 0));
        Assert.Equal(4UL, p.Next);
    }

    [Fact]
    public void UpdateOnEntriesSend_Probe_PausesUntilAnswered()
    {
        var p = New(0, 1);
        Assert.False(p.IsPaused);
        p.UpdateOnEntriesSend(1, 10);
        Assert.True(p.IsPaused);
        Assert.True(p.MaybeUpdate(1));
        Assert.False(p.IsPaused);
    }

    [Fact]
    public void UpdateOnEntriesSend_Replicate_AdvancesNextOptimistically()
    {
        var p = New(4, 5);
        p.BecomeReplicate();
        p.UpdateOnEntriesSend(3, 30);
        Assert.Equal(8UL, p.Next);
        p.UpdateOnEntriesSend(1, 10);
        Assert.True(p.IsPaused);
        p.MaybeUpdate(7);
        p.Inflights.FreeLE(7);
        Assert.False(p.IsPaused);
    }

    [Fact]
    public void HeartbeatAnswer_FullWindow_UnpausesForOneAppend()
    {
        var p = New(4, 5);
        p.BecomeReplicate();
        p.UpdateOnEntriesSend(1, 10);
        p.UpdateOnEntriesSend(1, 10);
        Assert.True(p.IsPaused);
        p.MsgAppFlowPaused = false;
        Assert.False(p.IsPaused);
        p.UpdateOnEntriesSend(0, 0);
        Assert.True(p.IsPaused);
    }

    [Fact]
    public void BecomeProbe_FromSnapshot_ResumesAfterSnapshot()
    {
        var p = New(2, 3);
        p.BecomeSnapshot(20);
        Assert.True(p.IsPaused);
        p.BecomeProbe();
        Assert.Equal(21UL, p.Next);
        Assert.Equal(0UL, p.PendingSnapshot);
    }
}
