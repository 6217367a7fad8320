namespace Grey.Edge.Transport;

/// <summary>
/// Counters of one transport since it started, as plain properties a /metrics endpoint can read at any time
/// (each one is updated atomically; together they are not a consistent snapshot).
/// </summary>
internal sealed class TransportMetrics
{
    private long framesSent;
    private long framesReceived;
    private long bytesSent;
    private long bytesReceived;
    private long messagesSent;
    private long messagesReceived;
    private long heartbeatsSent;
    private long dropsQueueFull;
    private long dropsUnencodable;
    private long dropsConnectionLost;
    private long dialAttempts;
    private long connectionsEstablished;
    private long reconnects;
    private long decodeErrors;
    private long handshakesRefused;
    private long tlsFailures;
    private long idleTimeouts;

    /// <summary>Frames written to sockets (messages, heartbeats, handshakes, refusals).</summary>
    public long FramesSent => Volatile.Read(ref framesSent);

    /// <summary>Frames read from sockets with a valid header and checksum, the peer's handshake included.</summary>
    public long FramesReceived => Volatile.Read(ref framesReceived);

    /// <summary>Frame bytes written to sockets (before TLS).</summary>
    public long BytesSent => Volatile.Read(ref bytesSent);

    /// <summary>Frame bytes read from sockets (after TLS).</summary>
    public long BytesReceived => Volatile.Read(ref bytesReceived);

    /// <summary>Raft messages written to sockets.</summary>
    public long MessagesSent => Volatile.Read(ref messagesSent);

    /// <summary>Raft messages decoded and handed to the node.</summary>
    public long MessagesReceived => Volatile.Read(ref messagesReceived);

    /// <summary>Heartbeat frames sent on idle connections.</summary>
    public long HeartbeatsSent => Volatile.Read(ref heartbeatsSent);

    /// <summary>Messages dropped because the peer's send queue was full (each reported unreachable).</summary>
    public long DropsQueueFull => Volatile.Read(ref dropsQueueFull);

    /// <summary>Messages dropped because they exceed a wire limit or the connection's version cannot carry them.</summary>
    public long DropsUnencodable => Volatile.Read(ref dropsUnencodable);

    /// <summary>Messages taken from a queue whose write failed because the connection broke.</summary>
    public long DropsConnectionLost => Volatile.Read(ref dropsConnectionLost);

    /// <summary>All drops.</summary>
    public long Drops => DropsQueueFull + DropsUnencodable + DropsConnectionLost;

    /// <summary>TCP connects tried.</summary>
    public long DialAttempts => Volatile.Read(ref dialAttempts);

    /// <summary>Connections that completed both handshakes (dialed or accepted).</summary>
    public long ConnectionsEstablished => Volatile.Read(ref connectionsEstablished);

    /// <summary>Connections established to a peer that had been connected before.</summary>
    public long Reconnects => Volatile.Read(ref reconnects);

    /// <summary>Connections closed because a frame or payload did not decode (or broke the protocol).</summary>
    public long DecodeErrors => Volatile.Read(ref decodeErrors);

    /// <summary>Grey handshakes refused, by either side.</summary>
    public long HandshakesRefused => Volatile.Read(ref handshakesRefused);

    /// <summary>TLS handshakes that failed (including a peer certificate the site CA does not validate).</summary>
    public long TlsFailures => Volatile.Read(ref tlsFailures);

    /// <summary>Connections closed because nothing arrived within the idle timeout.</summary>
    public long IdleTimeouts => Volatile.Read(ref idleTimeouts);

    internal void FrameSent(int bytes) { Interlocked.Increment(ref framesSent); Interlocked.Add(ref bytesSent, bytes); }

    internal void FramesWritten(int frames, int bytes) { Interlocked.Add(ref framesSent, frames); Interlocked.Add(ref bytesSent, bytes); }

    internal void FrameReceived(long bytes) { Interlocked.Increment(ref framesReceived); Interlocked.Add(ref bytesReceived, bytes); }

    internal void MessagesWritten(int count) => Interlocked.Add(ref messagesSent, count);

    internal void MessageReceived() => Interlocked.Increment(ref messagesReceived);

    internal void HeartbeatSent() => Interlocked.Increment(ref heartbeatsSent);

    internal void DroppedQueueFull() => Interlocked.Increment(ref dropsQueueFull);

    internal void DroppedUnencodable() => Interlocked.Increment(ref dropsUnencodable);

    internal void DroppedConnectionLost(int count) => Interlocked.Add(ref dropsConnectionLost, count);

    internal void DialAttempted() => Interlocked.Increment(ref dialAttempts);

    internal void Established(bool reconnect)
    {
        Interlocked.Increment(ref connectionsEstablished);
        if (reconnect)
        {
            Interlocked.Increment(ref reconnects);
        }
    }

    internal void DecodeFailed() => Interlocked.Increment(ref decodeErrors);

    internal void HandshakeRefused() => Interlocked.Increment(ref handshakesRefused);

    internal void TlsFailed() => Interlocked.Increment(ref tlsFailures);

    internal void IdleTimedOut() => Interlocked.Increment(ref idleTimeouts);
}
