using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grey.Federation.Messages;
using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Daemon.Mqtt;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Hosting;
using Grey.Region.Tests.Support;

namespace Grey.Region.Daemon.Tests.Mqtt;

/// <summary>grey-region with --mqtt alone and with --nats and --mqtt together, in process over a real mosquitto and nats-server.</summary>
public sealed class RegionDaemonMqttTests(RegionFixture f, MqttRegionFixture m) : IClassFixture<RegionFixture>, IClassFixture<MqttRegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("region-mqtt");

    [Fact]
    public async Task Daemon_MqttOnly_DeltaMergedAckedStatusOverHttpAndRevocationPublished()
    {
        await using RegionDaemon d = await StartAsync("d-mqtt", nats: false);
        await f.AdmitAsync(d, f.A1);
        await f.AdmitAsync(d, f.A2);
        Assert.NotNull(d.Mqtt);
        await using MqttSiteClient site = await MqttSiteClient.StartAsync(m.Broker, "site-a");
        var log = new SiteLog("site-a", 31, 10, region: "d-mqtt");

        await site.PublishAsync("d-mqtt", log.Signed(1, 10, f.A1.Certificate), "site-a:31:1-10", committed: 12);
        RegionAck ack = await site.WaitAckAsync(Cert, 10);

        Assert.Equal(("d-mqtt", 10UL), (ack.Region, ack.MergedIndex));
        using var http = new HttpClient { BaseAddress = new Uri(d.ApiUrl) };
        using JsonDocument status = JsonDocument.Parse(await http.GetStringAsync("/v1/sites/site-a"));
        Assert.Equal(10UL, status.RootElement.GetProperty("merged_index").GetUInt64());
        Assert.Equal(2UL, status.RootElement.GetProperty("lag").GetUInt64());
        Assert.Contains("grey_region_unsettled_deltas", await http.GetStringAsync("/metrics"), StringComparison.Ordinal);
        (_, _, bool published) = await d.RevokeAsync("a2", CancellationToken.None);
        Assert.True(published);
    }

    [Fact]
    public async Task Daemon_NatsAndMqtt_DeltasFromBothMergedOnceAndAckedOnBoth()
    {
        await using RegionDaemon d = await StartAsync("d-both", nats: true);
        await f.AdmitAsync(d, f.A1);
        await using SiteClient natsSite = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        await using MqttSiteClient mqttSite = await MqttSiteClient.StartAsync(m.Broker, "site-a");
        var log = new SiteLog("site-a", 32, 20, region: "d-both");

        await natsSite.PublishAsync("d-both", log.Signed(1, 10, f.A1.Certificate), "site-a:32:1-10");
        await natsSite.WaitAckAsync(Cert, 10);
        await mqttSite.PublishAsync("d-both", log.Signed(11, 20, f.A1.Certificate), "site-a:32:11-20");
        await mqttSite.PublishAsync("d-both", log.Signed(1, 10, f.A1.Certificate), "site-a:32:1-10");

        Assert.Equal(20UL, (await mqttSite.WaitAckAsync(Cert, 20)).MergedIndex);
        Assert.Equal(20UL, (await natsSite.WaitAckAsync(Cert, 20)).MergedIndex);
        Assert.Equal(2, d.Host.Read(c => c.Metrics.Merged));
        Assert.Equal(20L, d.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }

    [Fact]
    public async Task Daemon_MqttEmbedded_SiteConnectsToTheRegionsOwnBrokerAndIsAcked()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        MqttDaemonSettings embedded = MqttDaemonSettings.Parse(new Dictionary<string, string> { ["mqtt-embedded"] = $"127.0.0.1:{port}" }, _ => true, [])!;
        await using RegionDaemon d = await StartAsync("d-emb", nats: false, embedded);
        await f.AdmitAsync(d, f.A1);
        await using MqttSiteClient site = await MqttSiteClient.StartAsync("127.0.0.1", port, "site-a");
        var log = new SiteLog("site-a", 33, 10, region: "d-emb");

        await site.PublishAsync("d-emb", log.Signed(1, 10, f.A1.Certificate), "site-a:33:1-10");

        Assert.Equal(10UL, (await site.WaitAckAsync(Cert, 10)).MergedIndex);
        Assert.Equal(10L, d.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }

    [Fact]
    public void Parse_MqttWithoutNats_AcceptedAndNeitherRefused()
    {
        string data = m.NewFolder();
        string[] common = ["--region", "r1", "--data", data, "--api", "127.0.0.1:0", "--dev"];
        RegionDaemonOptions? o = RegionOptionsParser.Parse([.. common, "--mqtt", "mqtt://127.0.0.1:1883"], new Dictionary<string, string>(), File.ReadAllText, File.Exists, Directory.Exists, out List<string> errors);
        Assert.Empty(errors);
        Assert.Equal(("127.0.0.1", 1883), (o!.Mqtt!.Host, o.Mqtt.Port));
        Assert.Empty(o.NatsUrls);

        Assert.Null(RegionOptionsParser.Parse(common, new Dictionary<string, string>(), File.ReadAllText, File.Exists, Directory.Exists, out errors));
        Assert.Contains(errors, e => e.StartsWith("--nats is required", StringComparison.Ordinal));
    }

    private Task<RegionDaemon> StartAsync(string region, bool nats, MqttDaemonSettings? mqtt = null)
    {
        var options = new RegionDaemonOptions
        {
            Region = region,
            DataDirectory = f.NewFolder(),
            Api = new IPEndPoint(IPAddress.Loopback, 0),
            NatsUrls = nats ? [f.Nats.Url] : [],
            Mqtt = mqtt ?? new MqttDaemonSettings { Host = m.Broker.Host, Port = m.Broker.Port },
            Dev = true,
            AdminToken = RegionFixture.AdminToken,
        };
        var deps = new RegionDaemonDependencies
        {
            Time = f.Fleet.Time,
            SigningCertificate = Cert,
            AttestationResultKey = RegionFleet.PublicOnly(f.Fleet.ResultKey),
            HostOptions = new RegionHostOptions { PublishRegionDeltas = false },
        };
        return RegionDaemon.StartAsync(options, deps);
    }
}
