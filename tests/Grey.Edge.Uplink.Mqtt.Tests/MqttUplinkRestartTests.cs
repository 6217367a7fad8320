using System.Buffers;
using Grey.Edge.Uplink.Mqtt.Tests.Support;

namespace Grey.Edge.Uplink.Mqtt.Tests;

/// <summary>The MQTT uplink while its broker stops and starts again (a broker of its own per test).</summary>
public sealed class MqttUplinkRestartTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task BrokerStoppedThenStarted_LinkDownUnavailableThenLinkUpAndPublishesAgain()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var uplink = await MqttUplinkTests.StartReadyAsync(MqttUplinkTests.Options(broker.Url, "site-bounce"));
        Assert.Equal(UplinkInboundKind.LinkUp, (await uplink.Inbound.ReadAsync()).Kind);

        await broker.StopAsync();
        Assert.Equal(UplinkInboundKind.LinkDown, (await uplink.Inbound.NextOfKindAsync(UplinkInboundKind.LinkDown, Wait)).Kind);
        var whileDown = await uplink.PublishDeltaAsync(new OutgoingDelta("site-bounce:1:1-1", 1, 1, new byte[] { 1 }, 1), CancellationToken.None);
        Assert.Equal(UplinkPublishStatus.Unavailable, whileDown.Status);
        Assert.False(uplink.IsConnected);

        await broker.StartAgainAsync();
        await uplink.Inbound.NextOfKindAsync(UplinkInboundKind.LinkUp, Wait);
        var afterwards = await uplink.PublishDeltaAsync(new OutgoingDelta("site-bounce:1:1-1", 1, 1, new byte[] { 1 }, 1), CancellationToken.None);

        Assert.True(afterwards.Stored, afterwards.Detail);
        Assert.Equal(2, uplink.Metrics.LinkUps);
        Assert.Equal(1, uplink.Metrics.LinkDowns);
    }

    [Fact]
    public async Task BrokerRestartedWhileNodeAway_SessionSurvives_AckSentMeanwhileIsDelivered()
    {
        await using var broker = await Mosquitto.StartAsync();
        var options = MqttUplinkTests.Options(broker.Url, "site-away", "grey-site-away-n1");
        await using (var first = await MqttUplinkTests.StartReadyAsync(options))
        {
            // The first run creates the persistent session with its subscriptions, then leaves cleanly.
        }

        await using (var region = await TestClient.ConnectAsync(broker.Port, "region-away"))
        {
            var sent = await region.PublishAsync("grey/ack/site-away", [4, 2]);
            Assert.True(sent.IsSuccess, $"the session's subscription did not match: {sent.ReasonCode}");
        }

        await Task.Delay(1500); // mosquitto saves its store every second (autosave_interval 1); SIGTERM saves too
        await broker.StopAsync();
        await broker.StartAgainAsync();

        await using var second = await MqttUplinkTests.StartReadyAsync(options);
        var ack = await second.Inbound.NextMessageAsync(Wait);
        Assert.Equal((UplinkInboundKind.Ack, "04-02"), (ack.Kind, MqttUplinkTests.Hex(ack)));
    }
}
