using System.Net;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Daemon.Hosting;
using Grey.Federation.Hashing;

namespace Grey.Edge.Daemon.Tests.Hosting;

public sealed class ChainHashChoiceTests
{
    private static DaemonOptions OneNode => new() { NodeId = 1, Site = "site-a", DataDirectory = "/tmp/x", Api = new IPEndPoint(IPAddress.Loopback, 0) };

    [Fact]
    public void For_OneNodeSiteWithoutTlsRegionOrDevices_IsManaged()
    {
        Assert.Equal(Sha256Implementation.Managed, ChainHashChoice.For(OneNode));
    }

    [Fact]
    public void For_NodeWithPeers_IsSystem()
    {
        var options = OneNode with { Peers = new Dictionary<ulong, DnsEndPoint> { [1] = new("127.0.0.1", 7001), [2] = new("127.0.0.1", 7002) }, Insecure = true };
        Assert.Equal(Sha256Implementation.System, ChainHashChoice.For(options));
    }

    [Fact]
    public void For_RegionApiCertOrDevices_IsSystem()
    {
        Assert.Equal(Sha256Implementation.System, ChainHashChoice.For(OneNode with { Region = "eu-1" }));
        Assert.Equal(Sha256Implementation.System, ChainHashChoice.For(OneNode with { ApiCertFile = "/tmp/api.pem" }));
        Assert.Equal(Sha256Implementation.System, ChainHashChoice.For(OneNode with { DeviceMqtt = "127.0.0.1:1883" }));
    }
}
