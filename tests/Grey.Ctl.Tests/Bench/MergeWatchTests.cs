using Grey.Ctl.Bench;

namespace Grey.Ctl.Tests.Bench;

public sealed class MergeWatchTests
{
    [Fact]
    public void Acknowledged_CoversPendingWrites_RecordsCommitToAckLatency()
    {
        var watch = new MergeWatch();
        watch.StartRecording();
        watch.Committed("s1", 5, committedTicks: 100);
        watch.Committed("s1", 7, committedTicks: 110);
        watch.Committed("s2", 3, committedTicks: 120);

        watch.Acknowledged("s1", 6, ticks: 150);

        Assert.Equal(6UL, watch.MergedIndex("s1"));
        Assert.Equal(0UL, watch.MergedIndex("s2"));
        Assert.Equal(1, watch.MergedWrites);

        watch.Acknowledged("s1", 9, ticks: 200);
        watch.Acknowledged("s2", 3, ticks: 300);
        Assert.Equal([50L, 90L, 180L], watch.StopRecording().Order());
        Assert.Equal(300, watch.LastMergeTicks);
    }

    [Fact]
    public void Acknowledged_StaleOrRepeatedAck_ChangesNothing()
    {
        var watch = new MergeWatch();
        watch.StartRecording();
        watch.Acknowledged("s1", 10, ticks: 100);
        watch.Committed("s1", 12, committedTicks: 150);

        watch.Acknowledged("s1", 10, ticks: 400);
        watch.Acknowledged("s1", 4, ticks: 500);

        Assert.Equal(10UL, watch.MergedIndex("s1"));
        Assert.Equal(100, watch.LastMergeTicks);
        Assert.Empty(watch.StopRecording());
        Assert.Equal(3, watch.Acks);
    }

    [Fact]
    public void Committed_AlreadyMerged_CountsUpToTheLatestAckNeverNegative()
    {
        var watch = new MergeWatch();
        watch.StartRecording();
        watch.Acknowledged("s1", 10, ticks: 100);

        watch.Committed("s1", 8, committedTicks: 60);   // the client heard of its commit after the region acked it
        watch.Committed("s1", 9, committedTicks: 130);  // and even after the ack's tick: clamped to zero

        Assert.Equal([0L, 40L], watch.StopRecording().Order());
    }

    [Fact]
    public void Committed_NotRecording_KeepsNothing()
    {
        var watch = new MergeWatch();
        watch.Committed("s1", 1, committedTicks: 10);
        watch.Acknowledged("s1", 1, ticks: 20);

        watch.StartRecording();
        Assert.Empty(watch.StopRecording());
        Assert.Equal(1UL, watch.MergedIndex("s1"));
    }

    [Fact]
    public void StartRecording_DropsWritesPendingFromBefore()
    {
        var watch = new MergeWatch();
        watch.StartRecording();
        watch.Committed("s1", 5, committedTicks: 10);
        watch.StartRecording();

        watch.Acknowledged("s1", 5, ticks: 20);

        Assert.Empty(watch.StopRecording());
    }
}
