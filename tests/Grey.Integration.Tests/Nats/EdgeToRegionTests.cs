using System.Text;
using Grey.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Grey.Integration.Tests.Nats;

/// <summary>
/// The issue's "Done means", run as a new user would: nats-server, one grey-region --dev and three grey-edge
/// processes with --region and --nats. Every acknowledged write must appear at the region exactly once (nothing
/// lost: every key has its value; nothing doubled: a counter incremented once per acknowledged write equals
/// the site's own value), through broker outages, node crashes while offline, leader crashes and a region restart.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class EdgeToRegionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan BrokerOutage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Writes_BrokerStopped30sUnderLoad_AllArriveOnceAndDrain()
    {
        await using FederationHarness fed = await FederationHarness.StartAsync();
        var written = new Dictionary<string, string>();
        using var stop = new CancellationTokenSource();
        Task load = LoadAsync(fed, written, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await fed.Nats.StopAsync();
        output.WriteLine($"broker stopped with {Count(written)} writes acknowledged");
        await Task.Delay(BrokerOutage);
        int beforeRestart = Count(written);
        await fed.Nats.RestartAsync();
        long restarted = TimeProvider.System.GetTimestamp();
        output.WriteLine($"broker restarted with {beforeRestart} writes acknowledged");
        await Task.Delay(TimeSpan.FromSeconds(3));
        stop.Cancel();
        await load;
        await AssertAllArrivedAsync(fed, written);
        output.WriteLine($"drained {Count(written)} writes {TimeProvider.System.GetElapsedTime(restarted).TotalSeconds:0.0} s after the broker restart (includes the final checks)");
    }

    [Fact]
    public async Task Writes_LeaderRevokedAtRegion_LeavesAndNothingLost()
    {
        await using FederationHarness fed = await FederationHarness.StartAsync();
        var written = new Dictionary<string, string>();
        await WriteAsync(fed, written, "before", 40);
        int leader = await LeaderIndexAsync(fed);
        string name = $"{fed.SiteId}-n{leader + 1}";
        Assert.True(await fed.RevokeAsync(name), $"revoking {name} failed\n{fed.Logs()}");

        // The revoked node steps down and leaves the group; the other two go on and re-ship with their own keys.
        bool left = await FederationHarness.EventuallyAsync(async () =>
        {
            int? now = await fed.LeaderIndexAsync();
            return now is int l && l != leader && !(await fed.VotersAsync(l)).Contains((ulong)(leader + 1));
        }, TimeSpan.FromSeconds(60));
        Assert.True(left, $"{name} did not leave the group\n{fed.Logs()}");
        await WriteAsync(fed, written, "after", 40, skip: leader);
        await AssertAllArrivedAsync(fed, written, readFrom: (leader + 1) % fed.Site.Count);
    }

    private static int Count(Dictionary<string, string> written)
    {
        lock (written)
        {
            return written.Count;
        }
    }

    /// <summary>Writes continuously until cancelled (each write retried until acknowledged, as in WriteAsync).</summary>
    private async Task LoadAsync(FederationHarness fed, Dictionary<string, string> written, CancellationToken stop)
    {
        int i = 0;
        while (!stop.IsCancellationRequested)
        {
            await WriteAsync(fed, written, "load" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), 10, quiet: true);
            i++;
        }

        output.WriteLine($"load: {Count(written)} writes acknowledged");
    }

    [Fact]
    public async Task Writes_WholeSiteKilledWhileOffline_AllArriveOnce()
    {
        await using FederationHarness fed = await FederationHarness.StartAsync();
        var written = new Dictionary<string, string>();
        await WriteAsync(fed, written, "online", 30);
        await fed.Nats.StopAsync();
        await WriteAsync(fed, written, "offline", 50);
        for (int i = 0; i < fed.Site.Count; i++)
        {
            await fed.Site.KillAsync(i);
        }

        for (int i = 0; i < fed.Site.Count; i++)
        {
            fed.Site.Restart(i);
        }

        Assert.Empty(await fed.Site.WaitHealthyAsync(FederationHarness.HealthTimeout, CancellationToken.None));
        await WriteAsync(fed, written, "restarted", 30);
        await fed.Nats.RestartAsync();
        await AssertAllArrivedAsync(fed, written);
    }

    [Fact]
    public async Task Writes_LeaderKilledWhileShippingAndRegionRestarted_AllArriveOnce()
    {
        await using FederationHarness fed = await FederationHarness.StartAsync();
        var written = new Dictionary<string, string>();
        await WriteAsync(fed, written, "a", 60);
        int leader = await LeaderIndexAsync(fed);
        await fed.Site.KillAsync(leader);
        await WriteAsync(fed, written, "b", 60, skip: leader);
        fed.Site.Restart(leader);
        await fed.Region.KillAsync();
        await WriteAsync(fed, written, "c", 40, skip: leader);
        fed.Region.Start();
        await fed.WaitRegionHealthyAsync();
        await AssertAllArrivedAsync(fed, written);
    }

    private async Task WriteAsync(FederationHarness fed, Dictionary<string, string> written, string phase, int count, int skip = -1, bool quiet = false)
    {
        int node = 0;
        for (int i = 0; i < count; i++)
        {
            string key = $"w/{phase}/{i}";
            string value = $"{phase}-{i}-{Guid.NewGuid():N}";
            do
            {
                node = (node + 1) % fed.Site.Count;
            }
            while (node == skip);

            // A write whose outcome is unknown (the node died under it) is retried with the same value: a put is
            // idempotent, so the key ends with this value either way and the region must show it.
            bool acknowledged = false;
            for (int attempt = 0; attempt < 20 && !acknowledged; attempt++)
            {
                acknowledged = await fed.PutAsync(node, key, value) && await fed.AddAsync(node, "w/count", 1);
                if (!acknowledged)
                {
                    await Task.Delay(250);
                }
            }

            Assert.True(acknowledged, $"site did not acknowledge {key}\n{fed.Logs()}");
            lock (written)
            {
                written[key] = value;
            }
        }

        if (!quiet)
        {
            output.WriteLine($"{phase}: {count} writes acknowledged");
        }
    }

    private async Task AssertAllArrivedAsync(FederationHarness fed, Dictionary<string, string> written, int readFrom = 0)
    {
        // The counter is added to after every put, and the region merges the site's log in order: once the region's
        // counter equals the site's, every earlier put has been merged too. Equality also rules out doubling.
        long siteCount = await fed.SiteCounterAsync(readFrom, "w/count");
        Assert.True(siteCount >= written.Count, $"site counter {siteCount} below the {written.Count} acknowledged adds");
        bool counterEqual = await FederationHarness.EventuallyAsync(async () => await fed.RegionCounterAsync("w/count") >= siteCount, ArrivalTimeout);
        long regionCount = await fed.RegionCounterAsync("w/count");
        Assert.True(counterEqual && regionCount == siteCount,
            $"region counter {regionCount} != site counter {siteCount} (lost or doubled)\n{fed.Logs()}");
        var missing = new List<string>();
        foreach ((string key, string value) in written)
        {
            byte[]? got = await fed.RegionValueAsync(key);
            if (got is null || Encoding.UTF8.GetString(got) != value)
            {
                missing.Add(key);
            }
        }

        Assert.True(missing.Count == 0, $"{missing.Count} of {written.Count} writes missing at the region: {string.Join(", ", missing.Take(10))}\n{fed.Logs()}");
        output.WriteLine($"all {written.Count} writes arrived; counter {siteCount} at the site and at the region");
    }

    private static async Task<int> LeaderIndexAsync(FederationHarness fed)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int? leader = await fed.LeaderIndexAsync();
            if (leader is int l)
            {
                return l;
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException("no leader");
    }
}
