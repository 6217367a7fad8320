using Grey.Ctl;

namespace Grey.Ctl.Tests;

/// <summary>The pool reservation of the commands that host many nodes in one process.</summary>
public class InProcessThreadsTests
{
    [Fact]
    public void Reserve_RaisesTheMinimumToCoverTheNodes_AndStopsAtTheBound()
    {
        InProcessThreads.Reserve(24);
        ThreadPool.GetMinThreads(out int workers, out _);
        Assert.True(workers >= 24 + Environment.ProcessorCount, $"minimum workers {workers} after reserving 24 nodes");

        InProcessThreads.Reserve(100_000);
        ThreadPool.GetMinThreads(out workers, out _);
        Assert.Equal(InProcessThreads.MaxReserved, workers);

        // Never lowers it.
        InProcessThreads.Reserve(1);
        ThreadPool.GetMinThreads(out workers, out _);
        Assert.Equal(InProcessThreads.MaxReserved, workers);
    }
}
