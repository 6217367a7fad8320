using System.Diagnostics;
using Grey.Edge.Tests.Outbox.Support;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Outbox;

/// <summary>
/// The outbox's latency rules: a partial batch waits only while an earlier delta awaits its ack (Nagle's rule), and
/// then the linger and no longer (the loop wakes when it ends, not at its next poll).
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

        var waits = await LoneWriteWaitsAsync(site);

        // The median tolerates a loaded machine; waiting for the poll would put it near 1,000 ms.
        Assert.True(waits[waits.Count / 2] < 500, $"median commit to publish {waits[waits.Count / 2]:F0} ms, the linger is 20 ms and the poll 1 s");
        site.AssertRegionEqualsLog(leader);
    }

    [Fact]
    public async Task Ship_LoneWriteWithNothingInFlight_LeavesAtOnceNotAfterTheLinger()
    {
        const int seed = 93;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        // A linger of 2 s: a lone write that waited for it would take at least that long to leave.
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1], snapshotEntries: 100_000,
            tuneOutbox: o => o with { Linger = TimeSpan.FromSeconds(2), PollInterval = TimeSpan.FromSeconds(1) });
        var leader = await site.WaitForLeaderAsync();
        await site.WriteAsync(0, 3);
        await site.WaitDrainedAsync();

        var waits = await LoneWriteWaitsAsync(site);
        Assert.True(waits[waits.Count / 2] < 1_000, $"median commit to publish {waits[waits.Count / 2]:F0} ms with nothing in flight, the linger is 2 s");
        site.AssertRegionEqualsLog(leader);
    }

    [Fact]
    public async Task Ship_PartialBatchWhileADeltaAwaitsItsAck_LingersAndLeavesAsOneDelta()
    {
        const int seed = 95;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1], snapshotEntries: 100_000,
            tuneOutbox: o => o with { Linger = TimeSpan.FromSeconds(3), AckTimeout = TimeSpan.FromSeconds(8) });
        var leader = await site.WaitForLeaderAsync();
        await site.WriteAsync(0, 3);
        await site.WaitDrainedAsync();

        // One delta left and its ack is lost: it stays in flight.
        site.Broker.HoldAcks = true;
        var before = site.Broker.Published.Count;
        Assert.Equal(1, await site.WriteAsync(3, 1));
        await TestSiteWithOutbox.WaitUntilAsync(() => site.Broker.Published.Count == before + 1, "the first write was published at once");

        // Four more, one by one: they wait for company behind the one in flight instead of leaving one by one.
        var clock = Stopwatch.StartNew();
        Assert.Equal(4, await site.WriteAsync(4, 4));
        output.WriteLine($"the four writes took {clock.Elapsed.TotalMilliseconds:F0} ms");
        clock.Restart();
        await Task.Delay(300);
        output.WriteLine("published: " + string.Join(", ", site.Broker.Published.Select(d => $"{d.FirstIndex}..{d.LastIndex}")) + $" (before: {before})");
        Assert.Equal(before + 1, site.Broker.Published.Count);
        await TestSiteWithOutbox.WaitUntilAsync(() => site.Broker.Published.Count >= before + 2, "the lingering batch left");
        output.WriteLine($"the batch left {clock.Elapsed.TotalMilliseconds:F0} ms after the last of its writes");
        var batch = site.Broker.Published.ElementAt(before + 1);
        Assert.Equal(before + 2, site.Broker.Published.Count);
        output.WriteLine($"the batch holds indexes {batch.FirstIndex}..{batch.LastIndex}");
        Assert.True(batch.LastIndex - batch.FirstIndex + 1 >= 4, $"indexes {batch.FirstIndex}..{batch.LastIndex}: not all four writes in one delta");

        // The ack timeout resends from the acknowledged index; with acks flowing again everything is merged.
        site.Broker.HoldAcks = false;
        await site.WaitDrainedAsync(TimeSpan.FromSeconds(30));
        site.AssertRegionEqualsLog(leader);
    }

    // Seven lone writes, each after the last was merged: from each commit to its publish (ms), sorted and printed.
    private async Task<List<double>> LoneWriteWaitsAsync(TestSiteWithOutbox site)
    {
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
        return waits;
    }
}
