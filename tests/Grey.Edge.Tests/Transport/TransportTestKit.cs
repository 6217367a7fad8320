using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grey.Edge.Transport;
using Grey.Edge.Transport.Security;
using Grey.Raft;

namespace Grey.Edge.Tests.Transport;

/// <summary>Sample messages, certificates, feedback recording and cluster helpers for the transport tests.</summary>
internal static class TransportTestKit
{
    public const string Site = "site-a";

    /// <summary>One message of every network type, with every field the type uses set to a distinct value.</summary>
    public static IReadOnlyList<Message> EveryMessageType(ulong from = 1, ulong to = 2) =>
    [
        new Message { Type = MessageType.PreVote, From = from, To = to, Term = 8, LogTerm = 6, Index = 41 },
        new Message { Type = MessageType.PreVoteResponse, From = from, To = to, Term = 8, Reject = true },
        new Message { Type = MessageType.Vote, From = from, To = to, Term = 9, LogTerm = 7, Index = 42, Context = Bytes("CampaignTransfer") },
        new Message { Type = MessageType.VoteResponse, From = from, To = to, Term = 9 },
        new Message
        {
            Type = MessageType.Append, From = from, To = to, Term = 9, LogTerm = 7, Index = 42, Commit = 40,
            Entries =
            [
                new Entry(8, 43, EntryKind.Data, Bytes("put a=1")),
                new Entry(9, 44, EntryKind.NoOp, ReadOnlyMemory<byte>.Empty),
                new Entry(9, 45, EntryKind.ConfChange, new byte[] { 1, 0, 1, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0 }),
                new Entry(9, 46, EntryKind.Record, new byte[300]),
            ],
        },
        new Message { Type = MessageType.AppendResponse, From = from, To = to, Term = 9, Index = 46, Reject = true, RejectHint = 30, LogTerm = 5, Commit = 40 },
        new Message { Type = MessageType.Heartbeat, From = from, To = to, Term = 9, Commit = 46, Context = Bytes("read-17") },
        new Message { Type = MessageType.HeartbeatResponse, From = from, To = to, Term = 9, Context = Bytes("read-17") },
        new Message
        {
            Type = MessageType.Snapshot, From = from, To = to, Term = 9,
            Snapshot = new Snapshot(
                new SnapshotMetadata(1000, 8, new ConfState([1, 2, 4], [5], [1, 2, 3], [3], AutoLeave: true)),
                Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray()),
        },
        new Message { Type = MessageType.TimeoutNow, From = from, To = to, Term = 9 },
        new Message { Type = MessageType.ReadIndex, From = from, To = to, Term = 9, Context = Bytes("ctx-\u00e9") },
        new Message { Type = MessageType.ReadIndexResponse, From = from, To = to, Term = 9, Index = 46, Context = Bytes("ctx") },
        new Message { Type = MessageType.TransferLeader, From = from, To = to, Term = 9 },
    ];

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Asserts that two messages carry the same fields, entries, snapshot and context bytes.</summary>
    public static void AssertSameMessage(Message expected, Message actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.From, actual.From);
        Assert.Equal(expected.To, actual.To);
        Assert.Equal(expected.Term, actual.Term);
        Assert.Equal(expected.LogTerm, actual.LogTerm);
        Assert.Equal(expected.Index, actual.Index);
        Assert.Equal(expected.Commit, actual.Commit);
        Assert.Equal(expected.Reject, actual.Reject);
        Assert.Equal(expected.RejectHint, actual.RejectHint);
        Assert.Equal(expected.Context.ToArray(), actual.Context.ToArray());
        Assert.Equal(expected.Entries.Count, actual.Entries.Count);
        for (var i = 0; i < expected.Entries.Count; i++)
        {
            Assert.Equal(expected.Entries[i].Term, actual.Entries[i].Term);
            Assert.Equal(expected.Entries[i].Index, actual.Entries[i].Index);
            Assert.Equal(expected.Entries[i].Kind, actual.Entries[i].Kind);
            Assert.Equal(expected.Entries[i].Data.ToArray(), actual.Entries[i].Data.ToArray());
        }

        Assert.Equal(expected.Snapshot is null, actual.Snapshot is null);
        if (expected.Snapshot is { } s)
        {
            Assert.Equal(s.Metadata.Index, actual.Snapshot!.Metadata.Index);
            Assert.Equal(s.Metadata.Term, actual.Snapshot.Metadata.Term);
            Assert.True(s.Metadata.ConfState.IsEquivalent(actual.Snapshot.Metadata.ConfState), $"{s.Metadata.ConfState} vs {actual.Snapshot.Metadata.ConfState}");
            Assert.Equal(s.Metadata.ConfState.Voters, actual.Snapshot.Metadata.ConfState.Voters);
            Assert.Equal(s.Data.ToArray(), actual.Snapshot.Data.ToArray());
        }
    }

    /// <summary>Options for node <paramref name="id"/> of an insecure test site on loopback.</summary>
    public static PeerTransportOptions Options(ulong id, IReadOnlyDictionary<ulong, EndPoint?> peers, int seed, int port = 0) => new()
    {
        NodeId = id,
        SiteId = Site,
        ListenEndpoint = new IPEndPoint(IPAddress.Loopback, port),
        Peers = peers,
        Insecure = true,
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        IdleTimeout = TimeSpan.FromSeconds(2),
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        Random = new Random(seed),
    };

    /// <summary>
    /// Starts nodes 1..n, highest id first: a node dials only higher ids, so each one already knows the
    /// bound ports of the peers it dials.
    /// </summary>
    public static async Task<TcpPeerTransport[]> StartSiteAsync(int n, Func<ulong, PeerTransportOptions, PeerTransportOptions>? customize = null, IRaftFeedback? feedback = null)
    {
        var transports = new TcpPeerTransport[n];
        var ports = new Dictionary<ulong, EndPoint?>();
        for (var id = (ulong)n; id >= 1; id--)
        {
            var peers = Enumerable.Range(1, n).Select(i => (ulong)i).Where(p => p != id)
                .ToDictionary(p => p, p => p > id ? ports[p] : null);
            var options = Options(id, peers, seed: (int)id);
            if (customize is not null)
            {
                options = customize(id, options);
            }

            var t = TcpPeerTransport.Start(options, feedback ?? new RecordingFeedback());
            transports[id - 1] = t;
            ports[id] = t.LocalEndpoint;
        }

        await WaitUntilAsync(() => transports.All(t => transports.Where(o => o != t).All(o => t.IsConnected(o.NodeId))), "all nodes connected");
        return transports;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"timed out after {timeoutMs} ms waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Reads one message within <paramref name="timeoutMs"/>, or fails.</summary>
    public static async Task<Message> ReceiveAsync(TcpPeerTransport t, int timeoutMs = 10_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        return await t.Incoming.ReadAsync(cts.Token);
    }

    /// <summary>A CA and node certificates signed by it, made in process.</summary>
    internal sealed class TestCa : IDisposable
    {
        private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public TestCa(string name)
        {
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        }

        public X509Certificate2 Certificate { get; }

        /// <summary>A node certificate naming <paramref name="dnsName"/> (by default node <paramref name="nodeId"/> of the test site).</summary>
        public X509Certificate2 Issue(ulong nodeId, string? dnsName = null)
        {
            using var nodeKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var name = dnsName ?? NodeCertificateNames.DnsName(Site, nodeId);
            var request = new CertificateRequest($"CN={name}", nodeKey, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(name);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
            var serial = new byte[8];
            RandomNumberGenerator.Fill(serial);
            serial[0] &= 0x7f;
            using var issued = request.Create(Certificate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
            using var withKey = issued.CopyWithPrivateKey(nodeKey);

            // A round trip through PKCS#12 gives a certificate whose key SslStream can use on every platform.
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }

        public void Dispose()
        {
            Certificate.Dispose();
            key.Dispose();
        }
    }
}

/// <summary>Feedback that records every report, thread-safely.</summary>
internal sealed class RecordingFeedback : IRaftFeedback
{
    public ConcurrentQueue<ulong> Unreachable { get; } = new();

    public ConcurrentQueue<(ulong Peer, bool Failed)> Snapshots { get; } = new();

    public void ReportUnreachable(ulong peerId) => Unreachable.Enqueue(peerId);

    public void ReportSnapshot(ulong peerId, bool failed) => Snapshots.Enqueue((peerId, failed));
}
