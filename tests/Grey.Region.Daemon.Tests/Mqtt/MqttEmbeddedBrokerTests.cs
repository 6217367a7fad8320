using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Messages;
using Grey.Region.Daemon.Mqtt;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Hosting;
using Grey.Region.Registry;
using Grey.Region.Storage;
using Grey.Region.Tests.Support;

namespace Grey.Region.Daemon.Tests.Mqtt;

/// <summary>The in-process broker (--mqtt-embedded) carrying a site's deltas to the region's MQTT transport and its acks back.</summary>
public sealed class MqttEmbeddedBrokerTests(MqttRegionFixture f) : IClassFixture<MqttRegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("mqtt-embedded");

    [Fact]
    public async Task Embedded_DeltasThroughInProcessBroker_MergedAckedAndUnsettledRedeliveredOnReconnect()
    {
        await using MqttEmbeddedBroker broker = await MqttEmbeddedBroker.StartAsync(new IPEndPoint(IPAddress.Loopback, FreePort()));
        NodeRegistry registry = await f.AdmittedRegistryAsync();
        string store = f.NewFolder();
        var log = new SiteLog("site-a", 21, 20, region: "m-emb");
        await using MqttSiteClient site = await MqttSiteClient.StartAsync("127.0.0.1", broker.Endpoint.Port, "site-a");

        SettleDroppingTransport? dropping = null;
        await using (var first = await StartAsync(broker, store, registry, t => dropping = new SettleDroppingTransport(t, drops: 1)))
        {
            await site.PublishAsync("m-emb", log.Signed(1, 10, f.A1.Certificate), "site-a:21:1-10", committed: 10);
            await site.WaitAckAsync(Cert, 10);
            for (int i = 0; i < 400 && dropping!.Dropped == 0; i++)
            {
                await Task.Delay(25);
            }

            Assert.Equal(1, dropping!.Dropped);
        }

        // The embedded broker kept the region's session: the unacknowledged delta comes back to the next run.
        await using var second = await StartAsync(broker, store, registry);
        Assert.Equal(10UL, (await site.WaitAckAsync(Cert, 10)).MergedIndex);
        await site.PublishAsync("m-emb", log.Signed(11, 20, f.A1.Certificate), "site-a:21:11-20", committed: 20);
        RegionAck ack = await site.WaitAckAsync(Cert, 20);

        Assert.True(ack.ChainHash.SequenceEqual(log.ChainAt(20)));
        Assert.Equal(1, second.Host.Read(c => c.Metrics.Duplicates));
        Assert.Equal(20L, second.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }

    [Fact]
    public async Task StartAsync_PortInUse_Throws()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        await Assert.ThrowsAnyAsync<SocketException>(() => MqttEmbeddedBroker.StartAsync(new IPEndPoint(IPAddress.Loopback, port)));
    }

    private async Task<MqttRegionRun> StartAsync(MqttEmbeddedBroker broker, string store, NodeRegistry registry, Func<IRegionTransport, IRegionTransport>? wrap = null)
    {
        var host = new RegionHost(() => RegionCore.Open("m-emb", Cert, registry, new PhysicalRegionFileSystem(store), f.Fleet.Time), f.Fleet.Time,
            new RegionHostOptions { PublishRegionDeltas = false });
        MqttRegionTransport transport = await MqttRegionTransport.StartAsync(
            new MqttRegionConnection("127.0.0.1", broker.Endpoint.Port, "grey-region-m-emb"), "m-emb", [], new MqttRegionLimits(), null, CancellationToken.None);
        return new MqttRegionRun(host, transport, wrap?.Invoke(transport) ?? transport);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
