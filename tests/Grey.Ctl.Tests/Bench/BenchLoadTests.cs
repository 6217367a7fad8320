using Grey.Ctl.Bench;

namespace Grey.Ctl.Tests.Bench;

public sealed class BenchLoadTests
{
    [Fact]
    public async Task ClosedLoop_CountsCommitsAndFailures_KeepsHighestIndexPerSite()
    {
        long next = 0;
        var reported = new System.Collections.Concurrent.ConcurrentBag<(int Site, ulong Index)>();
        // Every client's even-numbered writes fail, so any client that ran has a failure; a second on a loaded
        // machine is long enough for some client to have written twice.
        LoadResult result = await BenchLoad.ClosedLoopAsync(2, 3, TimeSpan.FromSeconds(1),
            async (site, client, seq, _) =>
            {
                await Task.Yield();
                long n = Interlocked.Increment(ref next);
                return seq % 2 == 0 ? null : (ulong)n;
            },
            (site, index, _) => reported.Add((site, index)), TimeProvider.System, CancellationToken.None);

        Assert.True(result.Committed > 0);
        Assert.True(result.Failed > 0);
        Assert.Equal(result.Committed, reported.Count);
        Assert.Equal(next, result.Committed + result.Failed);
        for (int site = 0; site < 2; site++)
        {
            Assert.Equal(reported.Where(r => r.Site == site).Max(r => r.Index), result.LastIndex[site]);
        }
    }

    [Fact]
    public async Task OpenLoop_IssuesAboutTheRateRoundRobin()
    {
        var perSite = new int[4];
        LoadResult result = await BenchLoad.OpenLoopAsync(4, 2000, TimeSpan.FromSeconds(1),
            (site, _, seq, _) =>
            {
                Interlocked.Increment(ref perSite[site]);
                return ValueTask.FromResult<ulong?>((ulong)seq + 1);
            },
            (_, _, _) => { }, TimeProvider.System, CancellationToken.None);

        // Rate x duration writes are offered, however late the pacer was woken.
        Assert.Equal(2000, result.Committed);
        Assert.True(result.Seconds >= 0.99, $"{result.Seconds} s");
        Assert.Equal(0, result.Skipped);
        Assert.Equal(result.Committed, result.CommitTicks.Count);
        Assert.True(perSite.Max() - perSite.Min() <= 1, string.Join(",", perSite));
    }
}
