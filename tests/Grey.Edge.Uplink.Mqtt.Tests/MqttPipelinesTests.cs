namespace Grey.Edge.Uplink.Mqtt.Tests;

public sealed class MqttPipelinesTests
{
    [Theory]
    [InlineData(0, 0.0, 50)]
    [InlineData(0, 0.999999, 100)]
    [InlineData(3, 0.0, 400)]
    [InlineData(10, 0.0, 1000)]
    [InlineData(40, 0.999999, 2000)]
    public void Backoff_Attempt_DoublesWithJitterUpToTheMaximum(int attempt, double jitter, int expectedMs)
    {
        var delay = MqttPipelines.Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), attempt, jitter);

        Assert.InRange(delay.TotalMilliseconds, expectedMs - 1, expectedMs);
    }

    [Theory]
    [InlineData(MQTTnet.MqttClientPublishReasonCode.Success, nameof(UplinkPublishStatus.Accepted))]
    [InlineData(MQTTnet.MqttClientPublishReasonCode.NoMatchingSubscribers, nameof(UplinkPublishStatus.Accepted))]
    [InlineData(MQTTnet.MqttClientPublishReasonCode.QuotaExceeded, nameof(UplinkPublishStatus.Unavailable))]
    [InlineData(MQTTnet.MqttClientPublishReasonCode.NotAuthorized, nameof(UplinkPublishStatus.Rejected))]
    [InlineData(MQTTnet.MqttClientPublishReasonCode.TopicNameInvalid, nameof(UplinkPublishStatus.Rejected))]
    [InlineData(MQTTnet.MqttClientPublishReasonCode.PayloadFormatInvalid, nameof(UplinkPublishStatus.Rejected))]
    public void Classify_PubAckReason_MapsToStatus(MQTTnet.MqttClientPublishReasonCode code, string status) =>
        Assert.Equal(status, MqttUplink.Classify(code, null).Status.ToString());
}
