using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Grey.Federation.Messages;
using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Daemon.Mqtt;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Hosting;
using Grey.Region.Tests.Support;
using MQTTnet;
using MQTTnet.Protocol;

namespace Grey.Region.Daemon.Tests.Desired;

/// <summary>Desired state over MQTT: a region with NATS and its embedded MQTT broker publishes each change on both.</summary>
public sealed class DesiredMqttTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("desired-mqtt");

    [Fact]
    public async Task Put_NatsAndEmbeddedMqtt_SignedChangeOnBothQos1NotRetained()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        MqttDaemonSettings embedded = MqttDaemonSettings.Parse(new Dictionary<string, string> { ["mqtt-embedded"] = $"127.0.0.1:{port}" }, _ => true, [])!;
        var options = new RegionDaemonOptions
        {
            Region = "dm-both",
            DataDirectory = f.NewFolder(),
            Api = new IPEndPoint(IPAddress.Loopback, 0),
            NatsUrls = [f.Nats.Url],
            Mqtt = embedded,
            AdminToken = RegionFixture.AdminToken,
        };
        var deps = new RegionDaemonDependencies
        {
            Time = f.Fleet.Time,
            SigningCertificate = Cert,
            AttestationResultKey = RegionFleet.PublicOnly(f.Fleet.ResultKey),
            HostOptions = new RegionHostOptions { PublishRegionDeltas = false },
        };
        await using RegionDaemon d = await RegionDaemon.StartAsync(options, deps);
        await f.AdmitAsync(d, f.A1);
        await using DesiredListener nats = await DesiredListener.StartAsync(f.Nats.Url, "site-a");
        IMqttClient mqtt = new MqttClientFactory().CreateMqttClient();
        var received = Channel.CreateUnbounded<MqttApplicationMessage>();
        mqtt.ApplicationMessageReceivedAsync += args =>
        {
            received.Writer.TryWrite(args.ApplicationMessage);
            return Task.CompletedTask;
        };
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithClientId("desired-test-site-a").WithCleanStart(true).Build());
        await mqtt.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(t => t.WithTopic("grey/desired/site-a").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build());
        using HttpClient http = DesiredRegion.Admin(d);

        using HttpResponseMessage put = await http.PutAsync("/v1/sites/site-a/desired/mode", new ByteArrayContent("eco"u8.ToArray()));

        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        MqttApplicationMessage message = await received.Reader.ReadAsync(timeout.Token);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        Assert.False(message.Retain);
        DesiredChange? overMqtt = DesiredListener.Verify(message.Payload.ToArray(), Cert, out string reason);
        Assert.True(overMqtt is not null, reason);
        DesiredChange? overNats = DesiredListener.Verify(await nats.NextAsync(), Cert, out reason);
        Assert.True(overNats is not null, reason);
        Assert.Equal(("site-a", 1UL, "desired/mode"), (overMqtt.Site, overMqtt.Sequence, overMqtt.Key));
        Assert.Equal(Convert.ToHexString(overMqtt.Digest), Convert.ToHexString(overNats.Digest));
        Assert.Equal("eco"u8.ToArray(), overMqtt.Value.ToArray());
        await mqtt.DisconnectAsync();
        mqtt.Dispose();
    }
}
