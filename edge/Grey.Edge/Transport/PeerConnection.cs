using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using Grey.Edge.Transport.Protocol;
using Grey.Raft;

namespace Grey.Edge.Transport;

/// <summary>
/// One established connection to a peer, after both handshakes. Its reader loop decodes frames and hands
/// messages to the node; the peer's <see cref="PeerLink"/> writes to it. Any decode error, protocol
/// violation or I/O failure closes this connection only.
/// </summary>
internal sealed class PeerConnection
{
    private readonly ulong localId;
    private readonly Socket socket;
    private readonly Stream stream;
    private readonly FrameReader reader;
    private readonly TimeProvider time;
    private readonly CancellationTokenSource closedSource = new();
    private readonly TaskCompletionSource closedTask = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long lastReceived;
    private int closed;

    public PeerConnection(ulong localId, ulong peerId, byte version, Socket socket, Stream stream, FrameReader reader, TimeProvider time)
    {
        this.localId = localId;
        PeerId = peerId;
        Version = version;
        this.socket = socket;
        this.stream = stream;
        this.reader = reader;
        this.time = time;
        lastReceived = time.GetTimestamp();
        var heartbeat = new ArrayBufferWriter<byte>(16);
        FrameCodec.WriteControl(heartbeat, FrameType.Heartbeat, version, []);
        HeartbeatFrame = heartbeat.WrittenMemory.ToArray();
    }

    /// <summary>The peer at the other end.</summary>
    public ulong PeerId { get; }

    /// <summary>The protocol version negotiated for this connection; every frame on it must carry it.</summary>
    public byte Version { get; }

    /// <summary>The encoded heartbeat frame of <see cref="Version"/>.</summary>
    public ReadOnlyMemory<byte> HeartbeatFrame { get; }

    /// <summary>Cancelled when the connection closes.</summary>
    public CancellationToken ClosedToken => closedSource.Token;

    /// <summary>Completes when the connection closes.</summary>
    public Task Closed => closedTask.Task;

    /// <summary>True once the connection is closed.</summary>
    public bool IsClosed => Volatile.Read(ref closed) != 0;

    /// <summary>Why the connection closed, once it has.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>Time since the last frame (of any kind) arrived.</summary>
    public TimeSpan SinceLastReceive => time.GetElapsedTime(Volatile.Read(ref lastReceived));

    /// <summary>Writes encoded frames; throws when the connection is or becomes closed.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> frames) => stream.WriteAsync(frames, closedSource.Token);

    /// <summary>Closes the socket once; later calls do nothing.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
        {
            return;
        }

        CloseReason = reason;
        closedSource.Cancel();
        try
        {
            stream.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // Disposing an SslStream can fail to send its close_notify on a broken socket; the socket goes anyway.
        }

        socket.Dispose();
        closedTask.TrySetResult();
    }

    /// <summary>
    /// Reads frames until the connection closes. Messages go to <paramref name="incoming"/>, waiting while it
    /// is full: a slow node slows the socket down instead of buffering without bound.
    /// </summary>
    public async Task RunReaderAsync(ChannelWriter<Message> incoming, TransportMetrics metrics, Action<string> report)
    {
        try
        {
            while (true)
            {
                var (frame, error, endOfStream) = await reader.ReadAsync(ClosedToken).ConfigureAwait(false);
                if (endOfStream)
                {
                    Close("closed by the peer");
                    return;
                }

                Message? message = null;
                if (error is null)
                {
                    metrics.FrameReceived(FrameCodec.FrameSize(frame.Payload.Length));
                    Volatile.Write(ref lastReceived, time.GetTimestamp());
                    error = Interpret(frame, out message);
                }

                if (error is not null)
                {
                    metrics.DecodeFailed();
                    report($"peer {PeerId}: closing the connection on a decode error: {error}");
                    Close($"decode error: {error}");
                    return;
                }

                if (message is not null)
                {
                    await incoming.WriteAsync(message, ClosedToken).ConfigureAwait(false);
                    metrics.MessageReceived();
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The connection is gone (reset, closed under us, transport shut down); the link redials or waits.
            Close(IsClosed ? CloseReason ?? "closed" : $"read failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private DecodeError? Interpret(in Frame frame, out Message? message)
    {
        message = null;
        if (frame.Header.Version != Version)
        {
            return new DecodeError(DecodeErrorCode.VersionMismatch, $"frame of version {frame.Header.Version} on a connection that negotiated version {Version}");
        }

        switch (frame.Header.Type)
        {
            case FrameType.Heartbeat:
                return frame.Payload.Length == 0
                    ? null
                    : new DecodeError(DecodeErrorCode.MalformedPayload, $"heartbeat with {frame.Payload.Length} payload bytes");
            case FrameType.Message:
            case FrameType.SnapshotMessage:
                var error = FrameCodec.TryDecodeMessage(frame, out message);
                if (error is null && (message!.From != PeerId || message.To != localId))
                {
                    error = new DecodeError(DecodeErrorCode.ProtocolViolation, $"message from {message.From} to {message.To} on the connection between {PeerId} and {localId}");
                    message = null;
                }

                return error;
            default:
                return new DecodeError(DecodeErrorCode.ProtocolViolation, $"{frame.Header.Type} frame after the handshake");
        }
    }
}
