using MQTTnet.Packets;
using System.Buffers;
using System.Text;
using Grey.Edge.Uplink.Mqtt.Tests.Support;
using MQTTnet;
using MQTTnet.Protocol;

namespace Grey.Edge.Uplink.Mqtt.Tests;

/// <summary>The MQTT uplink against a real mosquitto (one per class; each test its own site).</summary>
public sealed class MqttUplinkTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    internal static string Hex(UplinkInbound item) => BitConverter.ToString(item.Payload.ToArray());

    internal static MqttUplinkOptions Options(string url, string site, string? clientId = null) => new()
    {
        Region = "r1",
        Site = site,
        ClientId = clientId,
        Url = url,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
        ReconnectWaitMax = TimeSpan.FromMilliseconds(500),
        AttemptTimeout = TimeSpan.FromSeconds(3),
    };

    internal static async Task<MqttUplink> StartReadyAsync(MqttUplinkOptions options, int seed = 7, Microsoft.Extensions.Logging.ILoggerFactory? logs = null)
    {
        var uplink = MqttUplink.Start(options, TimeProvider.System, new Random(seed), logs);
        Assert.True(await uplink.WaitUntilReadyAsync(Wait), "uplink did not come up: " + uplink.LastError);
        return uplink;
    }

    [Fact]
    public async Task PublishDeltaAsync_BrokerUp_ArrivesAtQos1WithMessageIdAndCommitted()
    {
        var broker = fixture.Broker;
        await using var region = await TestClient.ConnectAsync(broker.Port, "region-delta");
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await region.SubscribeAsync("grey/delta/r1/+"));
        await using var uplink = await StartReadyAsync(Options(broker.Url, "site-delta"));

        var wire = Encoding.UTF8.GetBytes("signed-delta-bytes");
        var result = await uplink.PublishDeltaAsync(new OutgoingDelta("site-delta:42:1-5", 1, 5, wire, 9), CancellationToken.None);

        Assert.Equal(UplinkPublishStatus.Accepted, result.Status);
        var message = await region.WaitForAsync(m => m.Topic == "grey/delta/r1/site-delta", Wait);
        Assert.Equal(wire, message.Payload.ToArray());
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        Assert.Equal("site-delta:42:1-5", message.UserProperties.Single(p => p.Name == MqttUplink.MessageIdProperty).ReadValueAsString());
        Assert.Equal("9", message.UserProperties.Single(p => p.Name == MqttUplink.CommittedProperty).ReadValueAsString());
        Assert.Equal(1, uplink.Metrics.DeltasAccepted);
    }

    [Fact]
    public async Task Inbound_AckNakRevoke_ArriveWithTheirKindsAndBytes()
    {
        var broker = fixture.Broker;
        await using var uplink = await StartReadyAsync(Options(broker.Url, "site-in"));
        await using var region = await TestClient.ConnectAsync(broker.Port, "region-in");

        await region.PublishAsync("grey/ack/site-in", [1, 2, 3]);
        await region.PublishAsync("grey/nak/site-in", [4]);
        await region.PublishAsync("grey/revoke/site-in", [5, 6]);
        await region.PublishAsync("grey/ack/other-site", [9]);

        var ack = await uplink.Inbound.NextMessageAsync(Wait);
        var nak = await uplink.Inbound.NextMessageAsync(Wait);
        var revoke = await uplink.Inbound.NextMessageAsync(Wait);
        Assert.Equal((UplinkInboundKind.Ack, "01-02-03", "mqtt"), (ack.Kind, Hex(ack), ack.Via));
        Assert.Equal((UplinkInboundKind.Nak, "04"), (nak.Kind, Hex(nak)));
        Assert.Equal((UplinkInboundKind.Revoke, "05-06"), (revoke.Kind, Hex(revoke)));
        Assert.Null(ack.Settle);
        Assert.True(await uplink.Inbound.StaysQuietAsync(TimeSpan.FromMilliseconds(500)), "another site's ack reached this uplink");
    }

    [Fact]
    public async Task Desired_SettledOnlyByHand_UnsettledComesBackToTheNextRunAndSettledDoesNot()
    {
        var broker = fixture.Broker;
        var options = Options(broker.Url, "site-desired", "grey-site-desired-n1");
        await using var region = await TestClient.ConnectAsync(broker.Port, "region-desired");
        await using (var first = await StartReadyAsync(options))
        {
            await region.PublishAsync("grey/desired/site-desired", [7, 7]);
            var change = await first.Inbound.NextMessageAsync(Wait);
            Assert.Equal(UplinkInboundKind.Desired, change.Kind);
            Assert.NotNull(change.Settle);

            // Not settled: the node "crashed" before committing it.
        }

        await using (var second = await StartReadyAsync(options))
        {
            var again = await second.Inbound.NextMessageAsync(Wait);
            Assert.Equal((UplinkInboundKind.Desired, "07-07"), (again.Kind, Hex(again)));
            await again.Settle!();
            await Task.Delay(300);
        }

        await using var third = await StartReadyAsync(options);
        Assert.True(await third.Inbound.StaysQuietAsync(TimeSpan.FromSeconds(1.5)), "a settled desired change was delivered again");
    }

    [Fact]
    public async Task RequestAsync_RegionAnswersOnResponseTopic_ReturnsTheReply()
    {
        var broker = fixture.Broker;
        await using var region = await TestClient.ConnectAsync(broker.Port, "region-enroll");
        region.OnMessage = async m =>
        {
            var reply = new MqttApplicationMessageBuilder().WithTopic(m.ResponseTopic).WithCorrelationData(m.CorrelationData)
                .WithPayload([.. m.Payload.ToArray(), 0xAA]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            await region.Client.PublishAsync(reply);
        };
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await region.SubscribeAsync("grey/enroll/+"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await region.SubscribeAsync("grey/attest/+"));
        await using var uplink = await StartReadyAsync(Options(broker.Url, "site-req", "grey-site-req-n2"));

        var enroll = await uplink.RequestAsync(UplinkRequestKind.Enroll, new byte[] { 1 }, Wait, CancellationToken.None);
        var attest = await uplink.RequestAsync(UplinkRequestKind.Attest, new byte[] { 2 }, Wait, CancellationToken.None);

        Assert.Null(enroll.Error);
        Assert.Equal(new byte[] { 1, 0xAA }, enroll.Payload!.Value.ToArray());
        Assert.Equal(new byte[] { 2, 0xAA }, attest.Payload!.Value.ToArray());
        var request = region.Received.First(m => m.Topic == "grey/enroll/site-req");
        Assert.Equal("grey/reply/site-req/grey-site-req-n2", request.ResponseTopic);
        Assert.Equal(MqttUplink.CorrelationBytes, request.CorrelationData.Length);
        Assert.Equal(0, uplink.PendingRequests);
    }

    [Fact]
    public async Task RequestAsync_EnrollAndAttest_NameTheHomeRegionInTheGreyRegionUserProperty()
    {
        var broker = fixture.Broker;
        await using var region = await TestClient.ConnectAsync(broker.Port, "region-scope");
        region.OnMessage = async m =>
        {
            var reply = new MqttApplicationMessageBuilder().WithTopic(m.ResponseTopic).WithCorrelationData(m.CorrelationData)
                .WithPayload([1]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            await region.Client.PublishAsync(reply);
        };
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await region.SubscribeAsync("grey/enroll/site-scope"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await region.SubscribeAsync("grey/attest/site-scope"));
        await using var uplink = await StartReadyAsync(Options(broker.Url, "site-scope") with { Region = "r-home" });

        Assert.Null((await uplink.RequestAsync(UplinkRequestKind.Enroll, new byte[] { 1 }, Wait, CancellationToken.None)).Error);
        Assert.Null((await uplink.RequestAsync(UplinkRequestKind.Attest, new byte[] { 2 }, Wait, CancellationToken.None)).Error);

        foreach (var topic in new[] { "grey/enroll/site-scope", "grey/attest/site-scope" })
        {
            var request = region.Received.First(m => m.Topic == topic);
            var named = request.UserProperties?.Where(p => p.Name == "Grey-Region").Select(p => p.ReadValueAsString()).ToList();
            Assert.Equal(["r-home"], named);
        }
    }

    [Fact]
    public async Task RequestAsync_NobodyAnswers_ReturnsAnErrorNotAnException()
    {
        var broker = fixture.Broker;
        await using var uplink = await StartReadyAsync(Options(broker.Url, "site-lonely"));

        var reply = await uplink.RequestAsync(UplinkRequestKind.Attest, new byte[] { 1 }, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Null(reply.Payload);
        Assert.False(string.IsNullOrEmpty(reply.Error));
        Assert.Equal(1, uplink.Metrics.RequestsFailed);
    }

    [Fact]
    public async Task PublishReportAsync_LinkUp_ArrivesOnTheStatusTopic()
    {
        var broker = fixture.Broker;
        await using var region = await TestClient.ConnectAsync(broker.Port, "region-status");
        await region.SubscribeAsync("grey/status/r1/+");
        await using var uplink = await StartReadyAsync(Options(broker.Url, "site-status"));

        var result = await uplink.PublishReportAsync(new byte[] { 3, 1, 4 }, CancellationToken.None);

        Assert.True(result.Stored);
        var report = await region.WaitForAsync(m => m.Topic == "grey/status/r1/site-status", Wait);
        Assert.Equal(new byte[] { 3, 1, 4 }, report.Payload.ToArray());
    }

    [Fact]
    public async Task Start_NoBrokerListening_DoesNotThrowAndReportsUnavailable()
    {
        var options = Options("mqtt://127.0.0.1:" + Mosquitto.FreePort(), "site-nobroker");
        await using var uplink = MqttUplink.Start(options, TimeProvider.System, new Random(1));

        Assert.False(await uplink.WaitUntilReadyAsync(TimeSpan.FromSeconds(1)));
        var result = await uplink.PublishDeltaAsync(new OutgoingDelta("a:1:1-1", 1, 1, new byte[] { 1 }, 1), CancellationToken.None);
        Assert.Equal(UplinkPublishStatus.Unavailable, result.Status);
        var reply = await uplink.RequestAsync(UplinkRequestKind.Enroll, new byte[] { 1 }, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Null(reply.Payload);
        Assert.NotNull(uplink.LastError);
        Assert.True(uplink.Metrics.ConnectFailures >= 1);
    }
}
