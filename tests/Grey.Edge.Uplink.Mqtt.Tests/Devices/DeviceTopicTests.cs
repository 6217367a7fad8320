using Grey.Edge.Devices;
using MQTTnet.Protocol;

namespace Grey.Edge.Uplink.Mqtt.Tests.Devices;

public sealed class DeviceTopicTests
{
    [Theory]
    [InlineData("grey/kv/a", "a")]
    [InlineData("grey/kv/line-1/temp", "line-1/temp")]
    [InlineData("grey/kv/shared/counter", "shared/counter")]
    [InlineData("grey/kv/desiredx", "desiredx")]
    public void Parse_ValidTopic_GivesTheKey(string topic, string key)
    {
        Assert.Equal(key, DeviceTopic.Parse(topic, out var code, out _));
        Assert.Equal(MqttPubAckReasonCode.Success, code);
    }

    [Theory]
    [InlineData(null, MqttPubAckReasonCode.TopicNameInvalid)]
    [InlineData("", MqttPubAckReasonCode.TopicNameInvalid)]
    [InlineData("grey/kv", MqttPubAckReasonCode.TopicNameInvalid)]
    [InlineData("grey/kv/", MqttPubAckReasonCode.TopicNameInvalid)]
    [InlineData("GREY/kv/a", MqttPubAckReasonCode.TopicNameInvalid)]
    [InlineData("grey/kv/a\u00e9", MqttPubAckReasonCode.TopicNameInvalid)]
    [InlineData("grey/kv/desired/x", MqttPubAckReasonCode.NotAuthorized)]
    [InlineData("grey/kv/desired/", MqttPubAckReasonCode.NotAuthorized)]
    public void Parse_BadTopic_RefusedWithCode(string? topic, MqttPubAckReasonCode expected)
    {
        Assert.Null(DeviceTopic.Parse(topic, out var code, out var reason));
        Assert.Equal(expected, code);
        Assert.NotEmpty(reason);
    }

    [Fact]
    public void Parse_KeyOfMaximumLength_AcceptedOneMoreRefused()
    {
        var longest = new string('k', Grey.Federation.FederationLimits.MaxKeyBytes);

        Assert.Equal(longest, DeviceTopic.Parse("grey/kv/" + longest, out _, out _));
        Assert.Null(DeviceTopic.Parse("grey/kv/" + longest + "k", out _, out _));
    }
}
