namespace Grey.Edge.Uplink.Mqtt.Tests;

public sealed class MqttTopicsTests
{
    private readonly MqttTopics topics = new("eu-1", "plant-7", "grey-plant-7-n1");

    [Fact]
    public void Topics_OfASite_FollowTheContract()
    {
        Assert.Equal("grey/delta/eu-1/plant-7", topics.Delta);
        Assert.Equal("grey/status/eu-1/plant-7", topics.Status);
        Assert.Equal("grey/ack/plant-7", topics.Ack);
        Assert.Equal("grey/nak/plant-7", topics.Nak);
        Assert.Equal("grey/revoke/plant-7", topics.Revoke);
        Assert.Equal("grey/desired/plant-7", topics.Desired);
        Assert.Equal("grey/enroll/plant-7", topics.Request(UplinkRequestKind.Enroll));
        Assert.Equal("grey/attest/plant-7", topics.Request(UplinkRequestKind.Attest));
        Assert.Equal("grey/reply/plant-7/grey-plant-7-n1", topics.Reply);
    }

    [Theory]
    [InlineData("grey/ack/plant-7", nameof(UplinkInboundKind.Ack))]
    [InlineData("grey/nak/plant-7", nameof(UplinkInboundKind.Nak))]
    [InlineData("grey/revoke/plant-7", nameof(UplinkInboundKind.Revoke))]
    [InlineData("grey/desired/plant-7", nameof(UplinkInboundKind.Desired))]
    public void InboundKind_SiteTopic_Classified(string topic, string kind) => Assert.Equal(kind, topics.InboundKind(topic)?.ToString());

    [Theory]
    [InlineData("grey/ack/plant-8")]
    [InlineData("grey/ack/plant-7/x")]
    [InlineData("grey/delta/eu-1/plant-7")]
    [InlineData("")]
    public void InboundKind_OtherTopic_Null(string topic) => Assert.Null(topics.InboundKind(topic));
}
