using System.Text;
using Grey.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Grey.Integration.Tests.Desired;

/// <summary>
/// Desired state end to end (DESIGN G7) with real processes: nats-server, grey-region --dev and three grey-edge. A
/// change made at the region reaches the site's key-value store through its Raft log exactly once and in order,
/// also after the whole site was offline, and comes back up to the region's merged state as an ordinary delta.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class DesiredStateTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PutAndDelete_AtTheRegion_ReachEveryNodeAndComeBackUp()
    {
        await using FederationHarness fed = await FederationHarness.StartAsync("plant-d1");
        using var client = new DesiredClient(fed.RegionApi, fed.SiteId, fed.Site.ApiEndpoints);
        await WaitEnrolledAsync(fed, client);
        long start = TimeProvider.System.GetTimestamp();
        Assert.Equal(1UL, await client.PutAsync("fan/speed", "70"));

        for (int node = 0; node < fed.Site.Count; node++)
        {
            int n = node;
            Assert.True(
                await FederationHarness.EventuallyAsync(async () => await client.SiteValueAsync(n, "desired/fan/speed") is { Value: "70" }, Arrival),
                $"node {n + 1} never showed desired/fan/speed\n{fed.Logs()}");
        }

        output.WriteLine($"desired change visible on every node after {TimeProvider.System.GetElapsedTime(start).TotalSeconds:0.0} s");
        Assert.Equal(1UL, (await client.SiteValueAsync(0, "desired/fan/speed"))!.Value.Revision);

        // It comes back up as an ordinary delta: merged at the region (its ownership rules accept it only with the
        // reference to the change), and the region counts it applied.
        Assert.True(
            await FederationHarness.EventuallyAsync(async () => await fed.RegionValueAsync("desired/fan/speed") is { } v && Encoding.UTF8.GetString(v) == "70", Arrival),
            $"the region's merged state never held desired/fan/speed\n{fed.Logs()}");
        Assert.True(await FederationHarness.EventuallyAsync(async () => await client.RegionMarksAsync() == (1UL, 0UL), Arrival), $"region marks {await client.RegionMarksAsync()}\n{fed.Logs()}");

        Assert.Equal(2UL, await client.DeleteAsync("fan/speed"));
        for (int node = 0; node < fed.Site.Count; node++)
        {
            int n = node;
            Assert.True(await FederationHarness.EventuallyAsync(() => client.SiteAbsentAsync(n, "desired/fan/speed"), Arrival), $"node {n + 1} still holds desired/fan/speed\n{fed.Logs()}");
        }

        Assert.True(await FederationHarness.EventuallyAsync(async () => await fed.RegionValueAsync("desired/fan/speed") is null, Arrival), $"the region still holds desired/fan/speed\n{fed.Logs()}");
        Assert.True(await FederationHarness.EventuallyAsync(async () => await client.RegionMarksAsync() == (2UL, 0UL), Arrival), $"region marks {await client.RegionMarksAsync()}\n{fed.Logs()}");
        int leader = await LeaderAsync(fed);
        Assert.Equal(2UL, await client.AppliedSequenceAsync(leader));
        string metrics = await client.MetricsAsync(leader);
        foreach (string line in metrics.Split('\n').Where(l => l.StartsWith("grey_edge_desired_", StringComparison.Ordinal)))
        {
            output.WriteLine($"leader n{leader + 1}: {line}");
        }

        Assert.Contains("grey_edge_desired_applied_sequence 2", metrics, StringComparison.Ordinal);
        Assert.Contains("grey_edge_desired_refused_total{reason=\"signature\"} 0", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changes_WhileTheWholeSiteIsDown_ArriveInOrderExactlyOnceWhenItReturns()
    {
        await using FederationHarness fed = await FederationHarness.StartAsync("plant-d2");
        using var client = new DesiredClient(fed.RegionApi, fed.SiteId, fed.Site.ApiEndpoints);
        await WaitEnrolledAsync(fed, client);
        Assert.Equal(1UL, await client.PutAsync("mode", "auto"));
        Assert.True(await FederationHarness.EventuallyAsync(async () => await client.RegionMarksAsync() == (1UL, 0UL), Arrival), $"first change never applied\n{fed.Logs()}");

        for (int i = 0; i < fed.Site.Count; i++)
        {
            await fed.Site.KillAsync(i);
        }

        // While the site is down: the same key overwritten in order (its revision counts applications), another
        // key put and deleted, a third put.
        var expectedSequence = new List<ulong>();
        expectedSequence.Add(await client.PutAsync("counted", "1"));
        expectedSequence.Add(await client.PutAsync("gone", "x"));
        expectedSequence.Add(await client.PutAsync("counted", "2"));
        expectedSequence.Add(await client.DeleteAsync("gone"));
        expectedSequence.Add(await client.PutAsync("counted", "3"));
        expectedSequence.Add(await client.PutAsync("mode", "manual"));
        Assert.Equal([2UL, 3UL, 4UL, 5UL, 6UL, 7UL], expectedSequence);
        Assert.Equal((1UL, 6UL), await client.RegionMarksAsync());

        for (int i = 0; i < fed.Site.Count; i++)
        {
            fed.Site.Restart(i);
        }

        Assert.Empty(await fed.Site.WaitHealthyAsync(FederationHarness.HealthTimeout, CancellationToken.None));
        long back = TimeProvider.System.GetTimestamp();
        Assert.True(
            await FederationHarness.EventuallyAsync(async () => (await client.RegionMarksAsync()).Applied == 7, Arrival),
            $"region marks {await client.RegionMarksAsync()}\n{fed.Logs()}");
        output.WriteLine($"all 6 missed changes applied and seen by the region {TimeProvider.System.GetElapsedTime(back).TotalSeconds:0.0} s after the site was healthy again");

        for (int node = 0; node < fed.Site.Count; node++)
        {
            int n = node;
            Assert.True(await FederationHarness.EventuallyAsync(async () => await client.AppliedSequenceAsync(n) == 7, Arrival), $"node {n + 1} applied {await client.AppliedSequenceAsync(n)}\n{fed.Logs()}");

            // Exactly once and in order: three puts of "counted" make revision 3 with the last value.
            Assert.Equal(("3", 3UL), await client.SiteValueAsync(n, "desired/counted"));
            Assert.Equal(("manual", 2UL), await client.SiteValueAsync(n, "desired/mode"));
            Assert.True(await client.SiteAbsentAsync(n, "desired/gone"), $"node {n + 1} still holds desired/gone");
        }

        Assert.True(
            await FederationHarness.EventuallyAsync(async () => await fed.RegionValueAsync("desired/counted") is { } v && Encoding.UTF8.GetString(v) == "3", Arrival),
            $"region never merged desired/counted = 3\n{fed.Logs()}");
        Assert.Equal("manual", Encoding.UTF8.GetString((await fed.RegionValueAsync("desired/mode"))!));
        Assert.Null(await fed.RegionValueAsync("desired/gone"));
        Assert.Equal((7UL, 0UL), await client.RegionMarksAsync());
    }

    // The region issues changes only for a site it knows (a node enrolled): healthy nodes may still be enrolling.
    private static async Task WaitEnrolledAsync(FederationHarness fed, DesiredClient client) =>
        Assert.True(await FederationHarness.EventuallyAsync(client.RegionKnowsSiteAsync, Arrival), $"the site never enrolled\n{fed.Logs()}");

    private static async Task<int> LeaderAsync(FederationHarness fed)
    {
        int? leader = null;
        Assert.True(await FederationHarness.EventuallyAsync(async () => (leader = await fed.LeaderIndexAsync()) is not null, TimeSpan.FromSeconds(30)), "no leader");
        return leader!.Value;
    }
}
