using System.Net;
using System.Net.Sockets;
using Grey.Region.Daemon.Mqtt;

namespace Grey.Region.Daemon.Tests.Mqtt;

public sealed class MqttDaemonLinkTests
{
    [Fact]
    public async Task StartAsync_Embedded_BrokerUpAndTheRegionConnectedToIt()
    {
        int port = FreePort();
        var settings = MqttDaemonSettings.Parse(new Dictionary<string, string> { ["mqtt-embedded"] = $"127.0.0.1:{port}" }, _ => true, [])!;

        await using MqttDaemonLink link = await MqttDaemonLink.StartAsync(settings, "r-link", [], new MqttRegionLimits(), null, CancellationToken.None);

        Assert.NotNull(link.Broker);
        Assert.True(link.Transport.IsConnected);
        Assert.Equal(1, await link.Broker.ConnectedClientsAsync());
    }

    [Fact]
    public async Task StartAsync_ExternalBrokerAbsent_ThrowsAndLeavesNothingListening()
    {
        int port = FreePort();
        var settings = MqttDaemonSettings.Parse(new Dictionary<string, string> { ["mqtt"] = $"mqtt://127.0.0.1:{port}" }, _ => true, [])!;

        var e = await Assert.ThrowsAsync<IOException>(() =>
            MqttDaemonLink.StartAsync(settings, "r-link", [], new MqttRegionLimits { ConnectTimeout = TimeSpan.FromSeconds(2) }, null, CancellationToken.None));
        Assert.StartsWith("could not connect to the MQTT broker 127.0.0.1:", e.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
