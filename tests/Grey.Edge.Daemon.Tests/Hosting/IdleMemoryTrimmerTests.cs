using Grey.Edge.Daemon.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Edge.Daemon.Tests.Hosting;

public sealed class IdleMemoryTrimmerTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Timer_BusyThenQuiet_TrimsOnceWhenQuiet()
    {
        var time = new FakeTimeProvider();
        long allocated = 8 * MiB;
        int trims = 0;
        using var trimmer = new IdleMemoryTrimmer(time, () => allocated, () => trims++);

        allocated += 3 * MiB; // a burst of requests during the first interval
        time.Advance(IdleMemoryTrimmer.CheckInterval);
        Assert.Equal(0, trims);

        time.Advance(IdleMemoryTrimmer.CheckInterval); // quiet
        Assert.Equal(1, trims);
        Assert.Equal(1, trimmer.Trims);

        time.Advance(IdleMemoryTrimmer.CheckInterval * 10); // still quiet: nothing new to give back
        Assert.Equal(1, trims);
    }

    [Fact]
    public void Timer_BeforeOneInterval_DoesNothing()
    {
        var time = new FakeTimeProvider();
        int trims = 0;
        using var trimmer = new IdleMemoryTrimmer(time, () => 8 * MiB, () => trims++);
        time.Advance(IdleMemoryTrimmer.CheckInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, trims);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, trims);
    }

    [Fact]
    public void Dispose_StopsSampling()
    {
        var time = new FakeTimeProvider();
        int trims = 0;
        var trimmer = new IdleMemoryTrimmer(time, () => 8 * MiB, () => trims++);
        trimmer.Dispose();
        time.Advance(IdleMemoryTrimmer.CheckInterval * 3);
        Assert.Equal(0, trims);
    }

    [Fact]
    public void ForProcess_Started_SamplesTheRealAllocationTotal()
    {
        // The real trimmer with the system clock: starting and disposing it must not collect or throw.
        using var trimmer = IdleMemoryTrimmer.ForProcess(TimeProvider.System);
        Assert.Equal(0, trimmer.Trims);
    }
}
