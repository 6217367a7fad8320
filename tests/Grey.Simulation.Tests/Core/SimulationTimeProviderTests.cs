using Grey.Simulation.Core;

namespace Grey.Simulation.Tests.Core;

public sealed class SimulationTimeProviderTests
{
    [Fact]
    public void GetUtcNow_FollowsVirtualTimeFromTheEpoch()
    {
        var queue = new EventQueue(new VirtualClock());
        var time = new SimulationTimeProvider(queue);
        Assert.Equal(SimulationTimeProvider.Epoch, time.GetUtcNow());

        queue.Schedule(TimeSpan.FromSeconds(3), () => { });
        queue.RunNext();

        Assert.Equal(SimulationTimeProvider.Epoch + TimeSpan.FromSeconds(3), time.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(3), time.GetElapsedTime(0));
    }

    [Fact]
    public void LocalNow_FastClock_RunsAheadByItsRate()
    {
        var queue = new EventQueue(new VirtualClock());
        var fast = new SimulationTimeProvider(queue, TimeSpan.FromMilliseconds(5), ratePpm: 1_250_000);
        queue.Schedule(TimeSpan.FromSeconds(4), () => { });
        queue.RunNext();

        Assert.Equal(TimeSpan.FromSeconds(5) + TimeSpan.FromMilliseconds(5), fast.LocalNow);
    }

    [Fact]
    public void SetRate_KeepsTheClockContinuous()
    {
        var queue = new EventQueue(new VirtualClock());
        var time = new SimulationTimeProvider(queue, ratePpm: 2_000_000);
        queue.Schedule(TimeSpan.FromSeconds(1), () => { });
        queue.RunNext();
        Assert.Equal(TimeSpan.FromSeconds(2), time.LocalNow);

        time.SetRate(500_000);
        Assert.Equal(TimeSpan.FromSeconds(2), time.LocalNow);
        queue.Schedule(TimeSpan.FromSeconds(2), () => { });
        queue.RunNext();
        Assert.Equal(TimeSpan.FromSeconds(3), time.LocalNow);
    }

    [Fact]
    public void CreateTimer_PeriodicOnSlowClock_FiresAtLocalPeriods()
    {
        var queue = new EventQueue(new VirtualClock());
        var slow = new SimulationTimeProvider(queue, ratePpm: 500_000);
        var fired = new List<TimeSpan>();
        using var timer = slow.CreateTimer(_ => fired.Add(queue.Clock.Now), null, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));

        queue.RunNext(TimeSpan.FromMilliseconds(100));
        while (queue.RunNext(TimeSpan.FromMilliseconds(100)))
        {
        }

        // Half speed: 10 ms of local time take 20 ms of virtual time.
        Assert.Equal([20, 40, 60, 80, 100], fired.Select(t => (int)t.TotalMilliseconds));
    }

    [Fact]
    public void CreateTimer_DisposedOrChanged_StopsOrMoves()
    {
        var queue = new EventQueue(new VirtualClock());
        var time = new SimulationTimeProvider(queue);
        int fired = 0;
        var timer = time.CreateTimer(_ => fired++, null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
        timer.Change(TimeSpan.FromMilliseconds(30), Timeout.InfiniteTimeSpan);
        queue.RunNext(TimeSpan.FromMilliseconds(20));
        Assert.Equal(0, fired);
        queue.RunNext(TimeSpan.FromMilliseconds(30));
        Assert.Equal(1, fired);

        var other = time.CreateTimer(_ => fired++, null, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));
        other.Dispose();
        while (queue.RunNext(TimeSpan.FromSeconds(1)))
        {
        }

        Assert.Equal(1, fired);
    }

    [Fact]
    public async Task Delay_WithVirtualTimeProvider_CompletesWhenVirtualTimePasses()
    {
        var queue = new EventQueue(new VirtualClock());
        var time = new SimulationTimeProvider(queue);
        Task delay = Task.Delay(TimeSpan.FromSeconds(30), time);
        Assert.False(delay.IsCompleted);

        queue.RunNext();

        await delay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(30), queue.Clock.Now);
    }

    [Fact]
    public void Constructor_RateOutOfRange_Throws()
    {
        var queue = new EventQueue(new VirtualClock());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulationTimeProvider(queue, ratePpm: 100));
    }
}
