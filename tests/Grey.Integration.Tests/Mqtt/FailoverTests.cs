using Grey.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Grey.Integration.Tests.Mqtt;

/// <summary>
/// Uplink failover with real processes: nats-server and mosquitto, <c>grey-region --dev --nats URL --mqtt URL</c> and
/// three <c>grey-edge --region r1 --nats URL --mqtt URL</c> (NATS preferred). nats-server is SIGKILLed under load:
/// shipping goes on over MQTT; restarted on the same port and store: the leader fails back to NATS; nothing lost or
/// doubled.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan NatsOutage = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Shipping_NatsStoppedUnderLoadThenRestarted_CarriedByMqttThenBackOnNatsExactlyOnce()
    {
        await using MqttFederation fed = await MqttFederation.StartAsync(withNats: true);
        var load = new SiteLoad(fed);
        using var stop = new CancellationTokenSource();
        Task running = load.RunAsync("load", stop.Token);
        try
        {
            Assert.True(await MqttFederation.EventuallyAsync(async () => await fed.RegionMergedIndexAsync() > 20, ArrivalTimeout),
                "nothing merged at the region\n" + fed.Logs());
            int leader = await fed.WaitLeaderAsync();
            PrometheusText healthy = await fed.NodeMetricsAsync(leader);
            Assert.Equal(1, healthy["grey_edge_failover_preferred_active"]);
            output.WriteLine($"healthy: leader n{leader + 1} NATS stored {healthy["grey_edge_uplink_deltas_accepted_total"]}, MQTT carried {healthy["grey_edge_failover_carried_by_fallback_total"]}");

            await fed.Nats!.StopAsync();
            ulong atStop = await fed.RegionMergedIndexAsync();
            long ackedAtStop = (await fed.NodeMetricsAsync(leader))["grey_edge_outbox_acked_index"];
            long stopped = TimeProvider.System.GetTimestamp();

            // While NATS is down the region merges on and the leader's acknowledged index moves on: only MQTT can carry
            // the deltas up and the signed acks down.
            ulong during = 0;
            long acked = 0;
            bool shipped = await MqttFederation.EventuallyAsync(async () =>
                (during = await fed.RegionMergedIndexAsync()) > atStop + 20
                && (acked = (await fed.NodeMetricsAsync(leader))["grey_edge_outbox_acked_index"]) > ackedAtStop + 20, NatsOutage);
            Assert.True(shipped, $"with NATS down the merged index went {atStop} -> {during}, the leader's acked index {ackedAtStop} -> {acked}\n{fed.Logs()}");
            output.WriteLine($"NATS down: merged index {atStop} -> {during}, leader n{leader + 1} acked index {ackedAtStop} -> {acked} after {TimeProvider.System.GetElapsedTime(stopped).TotalSeconds:0.0} s");
            TimeSpan left = NatsOutage - TimeProvider.System.GetElapsedTime(stopped);
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left);
            }

            leader = await fed.WaitLeaderAsync();
            PrometheusText down = await fed.NodeMetricsAsync(leader);
            Assert.True(down["grey_edge_failover_carried_by_fallback_total"] > 0, "the fallback carried nothing");
            Assert.Equal(0, down["grey_edge_failover_preferred_active"]);
            output.WriteLine($"after {NatsOutage.TotalSeconds:0} s without NATS: leader n{leader + 1} MQTT carried {down["grey_edge_failover_carried_by_fallback_total"]}, failovers {down["grey_edge_failover_failovers_total"]}, merged index {await fed.RegionMergedIndexAsync()}");

            await fed.Nats.RestartAsync();
            long restarted = TimeProvider.System.GetTimestamp();
            PrometheusText back = down;
            bool failedBack = await MqttFederation.EventuallyAsync(async () =>
            {
                back = await fed.NodeMetricsAsync(leader);
                return back["grey_edge_failover_preferred_active"] == 1 && back["grey_edge_failover_failbacks_total"] > down["grey_edge_failover_failbacks_total"];
            }, ArrivalTimeout);
            Assert.True(failedBack, $"n{leader + 1} did not fail back to NATS\n{fed.Logs()}");
            output.WriteLine($"failed back to NATS {TimeProvider.System.GetElapsedTime(restarted).TotalSeconds:0.0} s after nats-server restarted");

            // Back on NATS: new deltas are stored by nats-server again.
            PrometheusText now = back;
            bool onNats = await MqttFederation.EventuallyAsync(async () =>
            {
                now = await fed.NodeMetricsAsync(leader);
                return now["grey_edge_uplink_deltas_accepted_total"] >= back["grey_edge_uplink_deltas_accepted_total"] + 10;
            }, ArrivalTimeout);
            Assert.True(onNats, $"NATS stored no new deltas after the failback ({back["grey_edge_uplink_deltas_accepted_total"]} -> {now["grey_edge_uplink_deltas_accepted_total"]})\n{fed.Logs()}");
            output.WriteLine($"after failback: NATS stored {back["grey_edge_uplink_deltas_accepted_total"]} -> {now["grey_edge_uplink_deltas_accepted_total"]}, MQTT carried {back["grey_edge_failover_carried_by_fallback_total"]} -> {now["grey_edge_failover_carried_by_fallback_total"]}");
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }

        output.WriteLine($"load stopped: {load.Written} writes acknowledged");
        await load.AssertArrivedAsync(ArrivalTimeout, output);
    }
}
