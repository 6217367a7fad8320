namespace Grey.Edge.Uplink.Mqtt.Tests;

public sealed class MqttUplinkOptionsTests
{
    [Fact]
    public void Validate_Defaults_NoProblem()
    {
        var options = new MqttUplinkOptions { Region = "r1", Site = "s1", Url = "mqtt://127.0.0.1:1883" };

        Assert.Empty(options.Validate());
        Assert.Equal("grey-s1", options.EffectiveClientId);
    }

    [Fact]
    public void Validate_ManyProblems_ListsThemAll()
    {
        var options = new MqttUplinkOptions
        {
            Region = "R1",
            Site = "bad/site",
            ClientId = "has+plus",
            Url = "http://x",
            PasswordFile = "/nonexistent/password",
            MaxInFlight = 0,
            InboundCapacity = 70_000,
        };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.Contains("region", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("site", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("client id", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("mqtt://", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("password file needs a user", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("MaxInFlight", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("InboundCapacity", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_CertificateOnPlainTcp_Refused()
    {
        var ca = Path.GetTempFileName();
        try
        {
            var options = new MqttUplinkOptions { Region = "r1", Site = "s1", Url = "mqtt://127.0.0.1:1883", CaFile = ca };

            Assert.Contains(options.Validate(), e => e.Contains("mqtts://", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(ca);
        }
    }

    [Fact]
    public void Start_BadOptions_ThrowsArgumentExceptionWithEveryProblem()
    {
        var options = new MqttUplinkOptions { Region = "", Site = "", Url = "x" };

        var error = Assert.Throws<ArgumentException>(() => MqttUplink.Start(options, TimeProvider.System, new Random(1)));

        Assert.Contains("region", error.Message, StringComparison.Ordinal);
        Assert.Contains("site", error.Message, StringComparison.Ordinal);
    }
}
