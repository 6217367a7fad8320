namespace Grey.Edge.Uplink.Mqtt.Tests;

public sealed class MqttBrokerUrlTests
{
    [Theory]
    [InlineData("mqtt://broker.example:1884", "broker.example", 1884, false)]
    [InlineData("mqtt://10.0.0.1", "10.0.0.1", 1883, false)]
    [InlineData("mqtts://broker.example", "broker.example", 8883, true)]
    [InlineData("mqtts://127.0.0.1:9999/", "127.0.0.1", 9999, true)]
    public void Parse_ValidUrl_GivesHostPortAndTls(string url, string host, int port, bool tls)
    {
        var parsed = MqttBrokerUrl.Parse(url, out var error);

        Assert.Null(error);
        Assert.Equal(new MqttBrokerUrl(host, port, tls), parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("nats://broker:4222")]
    [InlineData("broker:1883")]
    [InlineData("mqtt://broker:1883/path")]
    [InlineData("mqtt://broker:1883?x=1")]
    [InlineData("mqtt://:1883")]
    public void Parse_NotABrokerUrl_GivesAnError(string url)
    {
        Assert.Null(MqttBrokerUrl.Parse(url, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Parse_UrlWithCredentials_RefusedWithoutEchoingThePassword()
    {
        Assert.Null(MqttBrokerUrl.Parse("mqtt://user:hunter2@broker:1883", out var error));
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MalformedUrlWithPassword_ErrorDoesNotEchoThePassword()
    {
        Assert.Null(MqttBrokerUrl.Parse("ftp://user:hunter2@broker", out var error));
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }
}
