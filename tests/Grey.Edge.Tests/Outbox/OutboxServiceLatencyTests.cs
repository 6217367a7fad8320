using System.Diagnostics;
using Grey.Edge.Tests.Outbox.Support;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Outbox;

/// <summary>
/// The outbox's latency rule: a partial batch waits the linger and no longer (the loop wakes when it ends, not at
/// its next poll).
/// </summary>
public class OutboxServiceLatencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ship_LoneWriteWithLongPoll_LeavesAfterTheLingerNotThePoll()
    {
        const int seed = 91;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        // A poll of a whole second: a write that waited for it would take about that long to leave.
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1], snapshotEntries: 100_000,
            tuneOutbox: o => o with { Linger = TimeSpan.FromMilliseconds(20), PollInterval = TimeSpan.FromSeconds(1) });
        var leader = await site.WaitForLeaderAsync();
        await site.WriteAsync(0, 3);
        await site.WaitDrainedAsync();

        var waits = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var published = site.Broker.Published.Count;
            Assert.Equal(1, await site.WriteAsync(3 + i, 1));
            var clock = Stopwatch.StartNew();
            await TestSiteWithOutbox.WaitUntilAsync(() => site.Broker.Published.Count > published, "the write was published");
            waits.Add(clock.Elapsed.TotalMilliseconds);
            await site.WaitDrainedAsync();
        }

        waits.Sort();
        output.WriteLine("commit to publish (ms): " + string.Join(", ", waits.Select(w => w.ToString("F0", System.Globalization.CultureInfo.InvariantCulture))));

        // The median tolerates a loaded machine; waiting for the poll would put it near 1,000 ms.
        Assert.True(waits[waits.Count / 2] < 500, $"median commit to publish {waits[waits.Count / 2]:F0} ms, the linger is 20 ms and the poll 1 s");
        site.AssertRegionEqualsLog(leader);
    }
}
