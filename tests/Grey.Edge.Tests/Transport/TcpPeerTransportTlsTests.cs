using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grey.Edge.Transport;
using Grey.Edge.Transport.Security;
using Grey.Raft;
using static Grey.Edge.Tests.Transport.TransportTestKit;

namespace Grey.Edge.Tests.Transport;

public sealed class TcpPeerTransportTlsTests : IDisposable
{
    private readonly TestCa siteCa = new("grey site-a CA");
    private readonly TestCa otherCa = new("some other CA");

    [Fact]
    public async Task Send_MutualTls_ThreeNodesExchange()
    {
        var site = await StartSiteAsync(3, (id, o) => Secure(o, siteCa.Issue(id)));
        try
        {
            foreach (var from in site)
            {
                foreach (var to in site.Where(t => t != from))
                {
                    Assert.Equal(SendResult.Queued, from.Send(new Message { Type = MessageType.Heartbeat, From = from.NodeId, To = to.NodeId, Term = 7 }));
                }
            }

            foreach (var to in site)
            {
                var senders = new HashSet<ulong> { (await ReceiveAsync(to)).From, (await ReceiveAsync(to)).From };
                Assert.Equal(site.Select(t => t.NodeId).Where(id => id != to.NodeId).ToHashSet(), senders);
                Assert.Equal(0, to.Metrics.TlsFailures);
            }
        }
        finally
        {
            await TcpPeerTransportTests.DisposeAllAsync(site);
        }
    }

    public static TheoryData<string, ulong, string, string> Impostors() => new()
    {
        // case, node with the bad certificate, where it is refused, expected event text
        { "other-ca-server", 2, "node 1 (dialer)", "does not chain to the site CA" },
        { "other-ca-client", 1, "node 2 (acceptor)", "does not chain to the site CA" },
        { "names-another-node-server", 2, "node 1 (dialer)", "does not name node-2.site-a.grey" },
        { "names-another-node-client", 1, "node 2 (acceptor)", "does not name node-1.site-a.grey" },
        { "names-another-site-server", 2, "node 1 (dialer)", "does not name node-2.site-a.grey" },
    };

    [Theory]
    [MemberData(nameof(Impostors))]
    public async Task Connect_PeerWithBadCertificate_Refused(string kind, ulong impostor, string refusedBy, string expected)
    {
        X509Certificate2 Certificate(ulong id) => id != impostor ? siteCa.Issue(id)
            : kind.StartsWith("other-ca", StringComparison.Ordinal) ? otherCa.Issue(id)
            : kind.StartsWith("names-another-node", StringComparison.Ordinal) ? siteCa.Issue(3)
            : siteCa.Issue(id, NodeCertificateNames.DnsName("site-b", id));

        var two = TcpPeerTransport.Start(Secure(Options(2, new Dictionary<ulong, EndPoint?> { [1] = null }, seed: 2), Certificate(2)), new RecordingFeedback());
        var one = TcpPeerTransport.Start(Secure(Options(1, new Dictionary<ulong, EndPoint?> { [2] = two.LocalEndpoint }, seed: 1), Certificate(1)), new RecordingFeedback());
        try
        {
            var refuser = refusedBy.StartsWith("node 1", StringComparison.Ordinal) ? one : two;
            await WaitUntilAsync(() => refuser.RecentEvents.Any(e => e.Contains(expected, StringComparison.Ordinal)), $"{refusedBy} refuses: {expected}");
            await Task.Delay(300);
            Assert.False(one.IsConnected(2));
            Assert.False(two.IsConnected(1));
            Assert.Equal(0, one.Metrics.ConnectionsEstablished + two.Metrics.ConnectionsEstablished);
            Assert.True(refuser.Metrics.TlsFailures + refuser.Metrics.HandshakesRefused > 0);

            // Nothing sent over a refused link is ever delivered.
            one.Send(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 1 });
            await Task.Delay(200);
            Assert.False(two.Incoming.TryRead(out _));
        }
        finally
        {
            await one.DisposeAsync();
            await two.DisposeAsync();
        }
    }

    [Fact]
    public async Task Connect_PlaintextPeerToTlsNode_Refused()
    {
        var two = TcpPeerTransport.Start(Secure(Options(2, new Dictionary<ulong, EndPoint?> { [1] = null }, seed: 2), siteCa.Issue(2)), new RecordingFeedback());
        var one = TcpPeerTransport.Start(Options(1, new Dictionary<ulong, EndPoint?> { [2] = two.LocalEndpoint }, seed: 1), new RecordingFeedback());
        try
        {
            await WaitUntilAsync(() => two.Metrics.TlsFailures > 0, "TLS node refuses plaintext");
            Assert.False(two.IsConnected(1));
            Assert.False(one.IsConnected(2));
        }
        finally
        {
            await one.DisposeAsync();
            await two.DisposeAsync();
        }
    }

    public void Dispose()
    {
        siteCa.Dispose();
        otherCa.Dispose();
    }

    private PeerTransportOptions Secure(PeerTransportOptions options, X509Certificate2 certificate) =>
        options with { Insecure = false, Security = new TransportSecurity(certificate, siteCa.Certificate) };
}
