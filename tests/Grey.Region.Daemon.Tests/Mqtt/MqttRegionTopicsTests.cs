using Grey.Region.Daemon.Mqtt;

namespace Grey.Region.Daemon.Tests.Mqtt;

public sealed class MqttRegionTopicsTests
{
    [Theory]
    [InlineData("grey/delta/r1/site-a", 0 /* Delta */, "site-a")]
    [InlineData("grey/status/r1/site-a", 1 /* Status */, "site-a")]
    [InlineData("grey/enroll/site-a", 2 /* Enroll */, "site-a")]
    [InlineData("grey/attest/site-a", 3 /* Attest */, "site-a")]
    [InlineData("grey/region/r2", 4 /* RegionDelta */, "r2")]
    public void Parse_ContractTopic_KindAndSource(string topic, int kind, string source) =>
        Assert.Equal(((MqttInboundTopic)kind, source), MqttRegionTopics.Parse("r1", topic));

    [Theory]
    [InlineData("grey/delta/r2/site-a")]
    [InlineData("grey/delta/r1/Site-A")]
    [InlineData("grey/delta/r1/site-a/x")]
    [InlineData("grey/delta/r1/")]
    [InlineData("grey/region/r1")]
    [InlineData("grey/ack/site-a")]
    [InlineData("")]
    [InlineData("////")]
    public void Parse_OtherTopic_Null(string topic) => Assert.Null(MqttRegionTopics.Parse("r1", topic));

    [Fact]
    public void Parse_SeededRandomTopics_NeverThrowsAndOnlyValidSources()
    {
        const int seed = 4242;
        Console.WriteLine($"seed {seed}");
        var random = new Random(seed);
        const string alphabet = "grey/deltasusnrolatgion1-+#AZ\0é";
        for (int i = 0; i < 20_000; i++)
        {
            char[] chars = new char[random.Next(0, 40)];
            for (int j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            string topic = random.Next(3) == 0 ? "grey/delta/r1/" + new string(chars) : new string(chars);
            if (MqttRegionTopics.Parse("r1", topic) is { } parsed)
            {
                Assert.True(Grey.Federation.Identifiers.FederationId.IsValid(parsed.Source), topic);
                Assert.EndsWith("/" + parsed.Source, topic, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("mqtt://127.0.0.1:1884", "127.0.0.1", 1884)]
    [InlineData("mqtt://broker.example", "broker.example", 1883)]
    public void ParseUrl_Valid_HostAndPort(string url, string host, int port)
    {
        Assert.Equal((host, port), MqttRegionConnection.ParseUrl(url, out string? error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("nats://127.0.0.1:4222")]
    [InlineData("mqtt://user:secret@127.0.0.1:1883")]
    [InlineData("mqtt://127.0.0.1:1883/path")]
    [InlineData("127.0.0.1:1883")]
    [InlineData("")]
    public void ParseUrl_Invalid_NullWithErrorNeverEchoingSecret(string url)
    {
        Assert.Null(MqttRegionConnection.ParseUrl(url, out string? error));
        Assert.NotNull(error);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }
}
