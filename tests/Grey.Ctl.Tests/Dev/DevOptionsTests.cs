using Grey.Ctl.Dev;

namespace Grey.Ctl.Tests.Dev;

public sealed class DevOptionsTests
{
    [Fact]
    public void Validate_Defaults_NoError() => Assert.Empty(new DevOptions().Validate());

    [Fact]
    public void Validate_EverythingWrong_EveryErrorAtOnce()
    {
        var options = new DevOptions { Sites = 0, Nodes = 9, Duration = TimeSpan.Zero, NatsUrl = "nats://h", MqttUrl = "tcp://h:1", WritesPerSecond = -1 };
        Assert.Equal(6, options.Validate().Count);
    }

    [Theory]
    [InlineData("nats://127.0.0.1:4222", "nats", true)]
    [InlineData("nats://127.0.0.1", "nats", false)]
    [InlineData("nats://u:p@127.0.0.1:4222", "nats", false)]
    [InlineData("mqtt://localhost:1883", "mqtt", true)]
    [InlineData("mqtt://localhost:1883/x", "mqtt", false)]
    [InlineData("nats://127.0.0.1:4222", "mqtt", false)]
    [InlineData("garbage", "nats", false)]
    public void IsBrokerUrl_Cases_AsExpected(string url, string scheme, bool expected) =>
        Assert.Equal(expected, DevOptions.IsBrokerUrl(url, scheme));
}
