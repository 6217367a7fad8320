using System.Buffers;
using Grey.Edge.Uplink.Mqtt.Tests.Support;

namespace Grey.Edge.Uplink.Mqtt.Tests.Uplink;

/// <summary>The failover over two real uplinks, each on its own mosquitto: one broker stops and returns.</summary>
public sealed class FailoverUplinkBrokerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PreferredBrokerStopsAndReturns_DeltasFailOverAndBack_NoneLost()
    {
        await using var brokerA = await Mosquitto.StartAsync();
        await using var brokerB = await Mosquitto.StartAsync();
        await using var regionA = await TestClient.ConnectAsync(brokerA.Port, "region-a");
        await using var regionB = await TestClient.ConnectAsync(brokerB.Port, "region-b");
        await regionA.SubscribeAsync("grey/delta/r1/+");
        await regionB.SubscribeAsync("grey/delta/r1/+");
        var preferred = await MqttUplinkTests.StartReadyAsync(MqttUplinkTests.Options(brokerA.Url, "site-fo", "grey-site-fo-a"));
        var fallback = await MqttUplinkTests.StartReadyAsync(MqttUplinkTests.Options(brokerB.Url, "site-fo", "grey-site-fo-b"));
        await using var failover = FailoverUplink.Create(preferred, fallback, new FailoverUplinkOptions(), TimeProvider.System);

        async Task Ship(ulong from, ulong to)
        {
            for (var i = from; i <= to; i++)
            {
                var result = await failover.PublishDeltaAsync(new OutgoingDelta($"site-fo:1:{i}-{i}", i, i, BitConverter.GetBytes(i), i), CancellationToken.None);
                Assert.True(result.Stored, $"delta {i}: {result.Status} {result.Detail}");
            }
        }

        await Ship(1, 10);
        await Until(() => Indices(regionA).Count() == 10);
        await brokerA.StopAsync();
        await Until(() => failover.Active == fallback);
        await Ship(11, 20);
        await brokerA.StartAgainAsync();
        await Until(() => failover.Active == preferred && preferred.IsConnected);
        await using var regionA2 = await TestClient.ConnectAsync(brokerA.Port, "region-a2");
        await regionA2.SubscribeAsync("grey/delta/r1/+");
        await Ship(21, 30);

        await Until(() => Indices(regionA2).Contains(30ul));
        var onA = Indices(regionA).Concat(Indices(regionA2)).ToHashSet();
        var onB = Indices(regionB).ToHashSet();
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (ulong)i), onA.Union(onB).Order());
        Assert.Contains(15ul, onB);
        Assert.DoesNotContain(15ul, onA);
        Assert.Contains(25ul, onA);
        Assert.DoesNotContain(25ul, onB);
        Assert.True(failover.Failovers >= 1 && failover.Failbacks >= 1, $"failovers {failover.Failovers}, failbacks {failover.Failbacks}");
    }

    private static IEnumerable<ulong> Indices(TestClient region) =>
        region.Received.Where(m => m.Topic == "grey/delta/r1/site-fo").Select(m => BitConverter.ToUInt64(m.Payload.ToArray()));

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(20);
        }
    }
}
