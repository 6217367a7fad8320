using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grey.Edge.Transport;
using Grey.Edge.Transport.Protocol;
using Grey.Raft;
using static Grey.Edge.Tests.Transport.TransportTestKit;

namespace Grey.Edge.Tests.Transport;

public sealed class TcpPeerTransportTests
{
    [Fact]
    public async Task Send_ThreeTransports_EveryPairExchangesEveryMessageType()
    {
        var site = await StartSiteAsync(3);
        try
        {
            foreach (var from in site)
            {
                foreach (var to in site.Where(t => t != from))
                {
                    foreach (var m in EveryMessageType(from.NodeId, to.NodeId))
                    {
                        Assert.Equal(SendResult.Queued, from.Send(m));
                    }
                }
            }

            foreach (var from in site)
            {
                await WaitUntilAsync(() => from.Metrics.MessagesSent == 2 * EveryMessageType().Count, $"node {from.NodeId} wrote every message");
                Assert.True(from.Metrics.FramesSent >= 2 * (1 + EveryMessageType().Count), $"frames sent: {from.Metrics.FramesSent}");
            }

            foreach (var to in site)
            {
                var received = new List<Message>();
                for (var i = 0; i < 2 * EveryMessageType().Count; i++)
                {
                    received.Add(await ReceiveAsync(to));
                }

                foreach (var from in site.Where(t => t != to))
                {
                    // Per sender, messages arrive complete and in the order sent.
                    var fromThis = received.Where(m => m.From == from.NodeId).ToList();
                    var expected = EveryMessageType(from.NodeId, to.NodeId);
                    Assert.Equal(expected.Count, fromThis.Count);
                    for (var i = 0; i < expected.Count; i++)
                    {
                        AssertSameMessage(expected[i], fromThis[i]);
                    }
                }

                Assert.Equal(0, to.Metrics.DecodeErrors);
                Assert.Equal(2 * EveryMessageType().Count, to.Metrics.MessagesReceived);

                // Each peer's handshake plus its messages, at least; heartbeats may come on top.
                Assert.True(to.Metrics.FramesReceived >= 2 * (1 + EveryMessageType().Count), $"frames received: {to.Metrics.FramesReceived}");
                Assert.True(to.Metrics.BytesReceived > 5000 * 2, $"bytes received: {to.Metrics.BytesReceived}");
            }
        }
        finally
        {
            await DisposeAllAsync(site);
        }
    }

    [Fact]
    public async Task Send_PeerKilledAndRestarted_ReconnectsWithBackoffAndDeliversQueuedMessages()
    {
        var feedback = new RecordingFeedback();
        var two = TcpPeerTransport.Start(Options(2, new Dictionary<ulong, EndPoint?> { [1] = null }, seed: 2), new RecordingFeedback());
        var port = two.LocalEndpoint.Port;
        var one = TcpPeerTransport.Start(Options(1, new Dictionary<ulong, EndPoint?> { [2] = two.LocalEndpoint }, seed: 1), feedback);
        try
        {
            await WaitUntilAsync(() => one.IsConnected(2), "first connection");
            await two.DisposeAsync();
            await WaitUntilAsync(() => !one.IsConnected(2), "loss noticed");

            // The link reports the peer unreachable just after it marks the connection lost: wait for it, not assume it.
            await WaitUntilAsync(() => feedback.Unreachable.Contains(2UL), "peer 2 reported unreachable");

            // While node 2 is down, node 1 keeps dialing, further apart each time.
            var attemptsAtLoss = one.Metrics.DialAttempts;
            await Task.Delay(600);
            var attempts = one.Metrics.DialAttempts - attemptsAtLoss;
            Assert.InRange(attempts, 2, 25); // 20 ms doubling to a 200 ms cap: ~6 dials in 600 ms, never a busy loop.

            Assert.Equal(SendResult.Queued, one.Send(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 4 }));
            two = TcpPeerTransport.Start(Options(2, new Dictionary<ulong, EndPoint?> { [1] = null }, seed: 2, port: port), new RecordingFeedback());
            await WaitUntilAsync(() => one.IsConnected(2), "reconnected");
            Assert.Equal(1, one.Metrics.Reconnects);
            var m = await ReceiveAsync(two);
            Assert.Equal((MessageType.Heartbeat, 4UL), (m.Type, m.Term));
        }
        finally
        {
            await one.DisposeAsync();
            await two.DisposeAsync();
        }
    }

    [Fact]
    public async Task Send_FullQueue_DropsAndReportsWithoutBlocking()
    {
        var feedback = new RecordingFeedback();
        var options = Options(1, new Dictionary<ulong, EndPoint?> { [2] = DeadEndpoint() }, seed: 1) with { SendQueueCapacity = 8 };
        var one = TcpPeerTransport.Start(options, feedback);
        try
        {
            var watch = Stopwatch.StartNew();
            var results = Enumerable.Range(0, 1000).Select(i => one.Send(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = (ulong)i + 1 })).ToList();
            var snapshot = one.Send(EveryMessageType().Single(m => m.Type == MessageType.Snapshot));
            watch.Stop();

            Assert.Equal(8, results.Count(r => r == SendResult.Queued));
            Assert.Equal(992, results.Count(r => r == SendResult.DroppedQueueFull));
            Assert.Equal(SendResult.DroppedQueueFull, snapshot);
            Assert.Equal(993, one.Metrics.DropsQueueFull);
            Assert.Equal(993, feedback.Unreachable.Count(id => id == 2));
            Assert.Contains((2UL, true), feedback.Snapshots);
            Assert.Equal(8, one.QueuedCount(2));
            Assert.True(watch.ElapsedMilliseconds < 1000, $"1001 sends took {watch.ElapsedMilliseconds} ms");
        }
        finally
        {
            await one.DisposeAsync();
        }
    }

    [Fact]
    public async Task Send_UnknownPeer_DroppedAndReported()
    {
        var feedback = new RecordingFeedback();
        var one = TcpPeerTransport.Start(Options(1, new Dictionary<ulong, EndPoint?> { [2] = DeadEndpoint() }, seed: 1), feedback);
        try
        {
            Assert.Equal(SendResult.DroppedUnknownPeer, one.Send(new Message { Type = MessageType.Vote, From = 1, To = 7, Term = 1 }));
            Assert.Contains(7UL, feedback.Unreachable);
            Assert.Throws<ArgumentException>(() => one.Send(new Message { Type = MessageType.Vote, From = 5, To = 2, Term = 1 }));
        }
        finally
        {
            await one.DisposeAsync();
        }
    }

    [Fact]
    public async Task Send_Snapshot_ReportedAsSentOnceWritten()
    {
        var feedback = new RecordingFeedback();
        var site = await StartSiteAsync(2, feedback: feedback);
        try
        {
            site[0].Send(EveryMessageType(1, 2).Single(m => m.Type == MessageType.Snapshot));
            var m = await ReceiveAsync(site[1]);
            Assert.Equal(MessageType.Snapshot, m.Type);
            await WaitUntilAsync(() => feedback.Snapshots.Contains((2UL, false)), "snapshot reported sent");
            Assert.DoesNotContain((2UL, true), feedback.Snapshots);
        }
        finally
        {
            await DisposeAllAsync(site);
        }
    }

    [Fact]
    public async Task Heartbeats_IdleConnection_StaysUpPastTheIdleTimeout()
    {
        // Generous margins: the test machine is shared and heavily loaded, and only the idle timeout must pass.
        var site = await StartSiteAsync(2, (_, o) => o with { HeartbeatInterval = TimeSpan.FromMilliseconds(100), IdleTimeout = TimeSpan.FromMilliseconds(1500) });
        try
        {
            await Task.Delay(3000);
            var events = string.Join(" | ", site.SelectMany(t => t.RecentEvents));
            Assert.True(site[0].IsConnected(2) && site[1].IsConnected(1), events);
            Assert.Equal(0, site[0].Metrics.IdleTimeouts + site[1].Metrics.IdleTimeouts);
            Assert.True(site[0].Metrics.HeartbeatsSent >= 5, $"heartbeats sent: {site[0].Metrics.HeartbeatsSent}");
            Assert.Equal(0, site[0].Metrics.Reconnects);
        }
        finally
        {
            await DisposeAllAsync(site);
        }
    }

    [Fact]
    public async Task IdleTimeout_SilentPeer_ConnectionClosed()
    {
        var two = TcpPeerTransport.Start(
            Options(2, new Dictionary<ulong, EndPoint?> { [1] = null }, seed: 2) with { HeartbeatInterval = TimeSpan.FromMilliseconds(50), IdleTimeout = TimeSpan.FromMilliseconds(300) },
            new RecordingFeedback());
        try
        {
            await using var raw = await RawPeer.ConnectAsync(two.LocalEndpoint);
            await raw.SendHandshakeAsync(ProtocolVersion.Current, Site, 1, 2);
            Assert.Equal(FrameType.Handshake, (await raw.ReadFrameAsync()).Header.Type);
            Assert.True(await raw.IsClosedByPeerAsync(5000));
            Assert.Equal(1, two.Metrics.IdleTimeouts);
        }
        finally
        {
            await two.DisposeAsync();
        }
    }

    public static TheoryData<string, int> BadFrames() => new()
    {
        { "garbage", (int)DecodeErrorCode.BadMagic },
        { "oversized", (int)DecodeErrorCode.FrameTooLarge },
        { "bad-crc", (int)DecodeErrorCode.ChecksumMismatch },
        { "unsupported-version", (int)DecodeErrorCode.UnsupportedVersion },
        { "previous-version-on-v2", (int)DecodeErrorCode.VersionMismatch },
        { "malformed-payload", (int)DecodeErrorCode.MalformedPayload },
        { "forged-sender", (int)DecodeErrorCode.ProtocolViolation },
        { "second-handshake", (int)DecodeErrorCode.ProtocolViolation },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Receive_BadFrameFromOnePeer_ClosesOnlyThatConnection(string kind, int expectedCode)
    {
        // Site of members 1..3: 2 and 3 are real transports, 1 is a raw socket driven by the test.
        var three = TcpPeerTransport.Start(Options(3, new Dictionary<ulong, EndPoint?> { [1] = null, [2] = null }, seed: 3), new RecordingFeedback());
        var two = TcpPeerTransport.Start(Options(2, new Dictionary<ulong, EndPoint?> { [1] = null, [3] = three.LocalEndpoint }, seed: 2), new RecordingFeedback());
        try
        {
            await WaitUntilAsync(() => two.IsConnected(3) && three.IsConnected(2), "2-3 connected");
            await using var raw = await RawPeer.ConnectAsync(three.LocalEndpoint);
            await raw.SendHandshakeAsync(ProtocolVersion.Current, Site, 1, 3);
            Assert.Equal(FrameType.Handshake, (await raw.ReadFrameAsync()).Header.Type);
            await WaitUntilAsync(() => three.IsConnected(1), "raw peer attached");

            await raw.SendAsync(BadFrame(kind));
            Assert.True(await raw.IsClosedByPeerAsync(), "the bad connection stayed open");
            Assert.Equal(1, three.Metrics.DecodeErrors);
            Assert.Contains(three.RecentEvents, e => e.Contains(((DecodeErrorCode)expectedCode).ToString(), StringComparison.Ordinal));

            // The other connection never noticed.
            Assert.Equal(SendResult.Queued, two.Send(new Message { Type = MessageType.Heartbeat, From = 2, To = 3, Term = 11 }));
            var m = await ReceiveAsync(three);
            Assert.Equal((2UL, 11UL), (m.From, m.Term));
            Assert.True(two.IsConnected(3));
            Assert.Equal(0, two.Metrics.Reconnects + three.Metrics.Reconnects);
        }
        finally
        {
            await two.DisposeAsync();
            await three.DisposeAsync();
        }
    }

    public static TheoryData<byte, string, ulong, ulong, int, string> BadHandshakes() => new()
    {
        { ProtocolVersion.Current, "site-b", 1, 2, (int)RefusalReason.WrongSite, "belongs to site 'site-b'" },
        { ProtocolVersion.Current, Site, 9, 2, (int)RefusalReason.UnknownNode, "node 9 is not a member" },
        { ProtocolVersion.Current, Site, 1, 5, (int)RefusalReason.WrongReceiver, "wants node 5" },
        { ProtocolVersion.Current, Site, 3, 2, (int)RefusalReason.WrongDialer, "the lower id dials" },
        { 3, Site, 1, 2, (int)RefusalReason.UnsupportedVersion, "protocol version 3 is not supported" },
    };

    [Theory]
    [MemberData(nameof(BadHandshakes))]
    public async Task Handshake_BadPeer_RefusedWithReasonAndClosed(byte version, string site, ulong sender, ulong receiver, int reason, string text)
    {
        var two = TcpPeerTransport.Start(Options(2, new Dictionary<ulong, EndPoint?> { [1] = null, [3] = DeadEndpoint() }, seed: 2), new RecordingFeedback());
        try
        {
            await using var raw = await RawPeer.ConnectAsync(two.LocalEndpoint);
            if (version == 3)
            {
                // A future version: the payload may mean anything, only the header is readable.
                var output = new ArrayBufferWriter<byte>();
                HandshakeCodec.WriteHandshake(output, new Handshake(ProtocolVersion.Current, site, sender, receiver));
                var bytes = output.WrittenSpan.ToArray();
                bytes[2] = 3;
                await raw.SendAsync(bytes);
            }
            else
            {
                await raw.SendHandshakeAsync(version, site, sender, receiver);
            }

            var frame = await raw.ReadFrameAsync();
            Assert.Equal(FrameType.Refusal, frame.Header.Type);
            Assert.Null(HandshakeCodec.TryDecodeRefusal(frame.Payload, out var refusal, out var refusalText));
            Assert.Equal((RefusalReason)reason, refusal);
            Assert.Contains(text, refusalText, StringComparison.Ordinal);
            Assert.True(await raw.IsClosedByPeerAsync());
            Assert.False(two.IsConnected(1));
        }
        finally
        {
            await two.DisposeAsync();
        }
    }

    [Fact]
    public async Task Handshake_LargeFrameBeforeHandshake_RefusedFromItsHeaderAlone()
    {
        var two = TcpPeerTransport.Start(Options(2, new Dictionary<ulong, EndPoint?> { [1] = null }, seed: 2), new RecordingFeedback());
        try
        {
            await using var raw = await RawPeer.ConnectAsync(two.LocalEndpoint);

            // Only the header of a 200 MiB snapshot frame: a node that waited for (or allocated) the payload
            // would answer only at the 5 s handshake timeout, if at all.
            var header = new byte[ProtocolLimits.HeaderSize];
            new FrameHeader(ProtocolVersion.Current, FrameType.SnapshotMessage, 200 * 1024 * 1024).Write(header);
            var watch = Stopwatch.StartNew();
            await raw.SendAsync(header);
            var frame = await raw.ReadFrameAsync(timeoutMs: 4000);
            Assert.True(watch.ElapsedMilliseconds < 4000);
            Assert.Null(HandshakeCodec.TryDecodeRefusal(frame.Payload, out var reason, out var text));
            Assert.Equal(RefusalReason.MalformedHandshake, reason);
            Assert.Contains("expected a Handshake frame first, got a SnapshotMessage frame header announcing 209715200 bytes", text, StringComparison.Ordinal);
            Assert.True(await raw.IsClosedByPeerAsync());
        }
        finally
        {
            await two.DisposeAsync();
        }
    }

    [Fact]
    public async Task Handshake_PreviousVersionPeer_NegotiatesV1AndExchanges()
    {
        var site = await StartSiteAsync(2, (id, o) => id == 1 ? o with { ProtocolVersion = ProtocolVersion.Previous } : o);
        try
        {
            var snapshot = new Message
            {
                Type = MessageType.Snapshot, From = 2, To = 1, Term = 3,
                Snapshot = new Snapshot(new SnapshotMetadata(10, 2, ConfState.OfVoters(1, 2)), new byte[] { 1, 2, 3 }),
            };
            site[1].Send(snapshot);
            AssertSameMessage(snapshot, await ReceiveAsync(site[0]));

            // A joint configuration cannot be expressed in v1: dropped with a reason and reported as failed.
            var joint = EveryMessageType(2, 1).Single(m => m.Type == MessageType.Snapshot);
            site[1].Send(joint);
            // The counter is bumped before the event is recorded, on the sender's thread: wait for both.
            await WaitUntilAsync(
                () => site[1].Metrics.DropsUnencodable == 1
                    && site[1].RecentEvents.Any(e => e.Contains("protocol v1 cannot carry", StringComparison.Ordinal)),
                "unencodable drop and its event");
            Assert.Equal(1, site[1].Metrics.DropsUnencodable);
            Assert.Contains(site[1].RecentEvents, e => e.Contains("connected (protocol v1", StringComparison.Ordinal));
        }
        finally
        {
            await DisposeAllAsync(site);
        }
    }

    [Fact]
    public async Task AddPeer_NewMemberAtRunTime_DialedAndExchanges_RemovePeer_Disconnects()
    {
        var site = await StartSiteAsync(2);
        var three = TcpPeerTransport.Start(Options(3, new Dictionary<ulong, EndPoint?> { [1] = null, [2] = null }, seed: 3), new RecordingFeedback());
        try
        {
            Assert.Equal(SendResult.DroppedUnknownPeer, site[0].Send(new Message { Type = MessageType.Heartbeat, From = 1, To = 3, Term = 1 }));
            Assert.True(site[0].AddPeer(3, three.LocalEndpoint));
            Assert.False(site[0].AddPeer(3, three.LocalEndpoint));
            Assert.True(site[1].AddPeer(3, three.LocalEndpoint));
            await WaitUntilAsync(() => three.IsConnected(1) && three.IsConnected(2), "3 connected to 1 and 2");

            Assert.Equal(SendResult.Queued, site[0].Send(new Message { Type = MessageType.Heartbeat, From = 1, To = 3, Term = 2 }));
            var m = await ReceiveAsync(three);
            Assert.Equal((1UL, 2UL), (m.From, m.Term));

            Assert.True(site[0].RemovePeer(3));
            Assert.False(site[0].RemovePeer(3));
            await WaitUntilAsync(() => !three.IsConnected(1), "3 lost 1");
            Assert.Equal(SendResult.DroppedUnknownPeer, site[0].Send(new Message { Type = MessageType.Heartbeat, From = 1, To = 3, Term = 3 }));
            await Task.Delay(300);
            Assert.False(three.IsConnected(1)); // node 1 no longer dials it
            Assert.True(three.IsConnected(2));
        }
        finally
        {
            await three.DisposeAsync();
            await DisposeAllAsync(site);
        }
    }

    [Fact]
    public void Start_InvalidOptions_ThrowsWithEveryProblem()
    {
        var options = Options(0, new Dictionary<ulong, EndPoint?> { [2] = null }, seed: 1) with { Insecure = false, SendQueueCapacity = 0 };
        var e = Assert.Throws<ArgumentException>(() => TcpPeerTransport.Start(options, new RecordingFeedback()));
        Assert.Contains("NodeId must not be 0", e.Message);
        Assert.Contains("Security (mutual TLS) is required", e.Message);
        Assert.Contains("SendQueueCapacity must be positive", e.Message);
    }

    internal static async Task DisposeAllAsync(IEnumerable<TcpPeerTransport> transports)
    {
        foreach (var t in transports)
        {
            await t.DisposeAsync();
        }
    }

    /// <summary>A loopback port nothing listens on.</summary>
    internal static IPEndPoint DeadEndpoint()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)s.LocalEndPoint!;
    }

    private static byte[] BadFrame(string kind)
    {
        var output = new ArrayBufferWriter<byte>();
        FrameCodec.TryWriteMessage(output, new Message { Type = MessageType.Heartbeat, From = 1, To = 3, Term = 2 }, ProtocolVersion.Current, out _);
        var good = output.WrittenSpan.ToArray();
        switch (kind)
        {
            case "garbage":
                return "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
            case "oversized":
                BinaryPrimitives.WriteUInt32LittleEndian(good.AsSpan(4), ProtocolLimits.MaxMessageFrameBytes + 1u);
                return good[..8];
            case "bad-crc":
                good[^1] ^= 0xff;
                return good;
            case "unsupported-version":
                good[2] = 7;
                return good;
            case "previous-version-on-v2":
                var v1 = new ArrayBufferWriter<byte>();
                FrameCodec.TryWriteMessage(v1, new Message { Type = MessageType.Heartbeat, From = 1, To = 3, Term = 2 }, ProtocolVersion.Previous, out _);
                return v1.WrittenSpan.ToArray();
            case "malformed-payload":
                good[8] = 0; // message type Hup: local, never on the wire
                BinaryPrimitives.WriteUInt32LittleEndian(good.AsSpan(good.Length - 4), FrameCodec.Checksum(good.AsSpan(0, good.Length - 4)));
                return good;
            case "forged-sender":
                var forged = new ArrayBufferWriter<byte>();
                FrameCodec.TryWriteMessage(forged, new Message { Type = MessageType.Heartbeat, From = 2, To = 3, Term = 2 }, ProtocolVersion.Current, out _);
                return forged.WrittenSpan.ToArray();
            case "second-handshake":
                var h = new ArrayBufferWriter<byte>();
                HandshakeCodec.WriteHandshake(h, new Handshake(ProtocolVersion.Current, Site, 1, 3));
                return h.WrittenSpan.ToArray();
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }
}
