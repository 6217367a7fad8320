using Grey.Simulation.Core;

namespace Grey.Simulation.Tests.Core;

public sealed class EventQueueTests
{
    [Fact]
    public void RunNext_EventsAtDifferentTimes_RunInTimeOrderAndMoveTheClock()
    {
        var queue = new EventQueue(new VirtualClock());
        var seen = new List<(string, TimeSpan)>();
        queue.Schedule(TimeSpan.FromMilliseconds(30), () => seen.Add(("c", queue.Clock.Now)));
        queue.Schedule(TimeSpan.FromMilliseconds(10), () => seen.Add(("a", queue.Clock.Now)));
        queue.Schedule(TimeSpan.FromMilliseconds(20), () => seen.Add(("b", queue.Clock.Now)));

        while (queue.RunNext())
        {
        }

        Assert.Equal(
            [("a", TimeSpan.FromMilliseconds(10)), ("b", TimeSpan.FromMilliseconds(20)), ("c", TimeSpan.FromMilliseconds(30))],
            seen);
        Assert.Equal(3, queue.EventsRun);
    }

    [Fact]
    public void RunNext_EventsAtSameTime_RunInInsertionOrder()
    {
        var queue = new EventQueue(new VirtualClock());
        var seen = new List<int>();
        for (int i = 0; i < 50; i++)
        {
            int n = i;
            queue.Schedule(TimeSpan.FromMilliseconds(5), () => seen.Add(n));
        }

        while (queue.RunNext())
        {
        }

        Assert.Equal(Enumerable.Range(0, 50), seen);
    }

    [Fact]
    public void RunNext_CancelledEvent_IsSkippedAndNotCounted()
    {
        var queue = new EventQueue(new VirtualClock());
        bool ran = false;
        var e = queue.Schedule(TimeSpan.FromMilliseconds(1), () => ran = true);
        e.Cancel();

        Assert.False(queue.RunNext());
        Assert.False(ran);
        Assert.Equal(0, queue.EventsRun);
    }

    [Fact]
    public void RunNext_Until_StopsBeforeLaterEventsAndAdvancesClock()
    {
        var queue = new EventQueue(new VirtualClock());
        bool ran = false;
        queue.Schedule(TimeSpan.FromMilliseconds(100), () => ran = true);

        Assert.False(queue.RunNext(TimeSpan.FromMilliseconds(50)));
        Assert.False(ran);
        Assert.Equal(TimeSpan.FromMilliseconds(50), queue.Clock.Now);
        Assert.True(queue.RunNext(TimeSpan.FromMilliseconds(100)));
        Assert.True(ran);
    }

    [Fact]
    public void Schedule_NegativeDelay_Throws()
    {
        var queue = new EventQueue(new VirtualClock());
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.Schedule(TimeSpan.FromTicks(-1), () => { }));
    }

    [Fact]
    public void AdvanceTo_Backwards_Throws()
    {
        var clock = new VirtualClock();
        clock.AdvanceTo(TimeSpan.FromSeconds(1));
        Assert.Throws<InvalidOperationException>(() => clock.AdvanceTo(TimeSpan.FromMilliseconds(1)));
    }
}
