using System.Net;
using System.Net.Sockets;
using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Tests.EdgeHarness;

public sealed class LoopbackPortsTests
{
    [Fact]
    public void Free_Many_DistinctBindableAndBelowTheEphemeralRange()
    {
        int low = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0]);
        int[] ports = LoopbackPorts.Free(40);
        Assert.Equal(40, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, LoopbackPorts.LowestPort, low - 1));
        foreach (int port in ports)
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
    }
}
