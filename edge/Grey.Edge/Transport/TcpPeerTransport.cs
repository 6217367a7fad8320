using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using Grey.Raft;

namespace Grey.Edge.Transport;

/// <summary>
/// The peer transport of grey-edge: one TCP connection per pair of nodes (the node with the lower id dials,
/// the other accepts), Grey protocol v2 frames, mutual TLS unless explicitly insecure, reconnect with
/// jittered exponential back-off, heartbeats, a bounded send queue per peer and a bounded receive queue.
/// </summary>
internal sealed partial class TcpPeerTransport : IPeerTransport, IPeerDirectory
{
    /// <summary>Recent connection events kept for diagnostics (oldest dropped first).</summary>
    internal const int MaxRecentEvents = 64;

    private readonly PeerTransportOptions options;
    private readonly IRaftFeedback feedback;
    private readonly ConcurrentDictionary<ulong, PeerLink> links = new();
    private readonly Channel<Message> incoming;
    private readonly CancellationTokenSource shutdown = new();
    private readonly ConcurrentDictionary<Task, byte> running = new();
    private readonly ConcurrentQueue<string> recentEvents = new();
    private readonly ReconnectBackoff backoff;
    private readonly SemaphoreSlim pendingHandshakes;
    private readonly SslStreamCertificateContext? certificateContext;
    private Socket? listener;
    private ITimer? watchdog;
    private int disposed;

    private TcpPeerTransport(PeerTransportOptions options, IRaftFeedback feedback)
    {
        this.options = options;
        this.feedback = feedback;
        incoming = Channel.CreateBounded<Message>(new BoundedChannelOptions(options.ReceiveQueueCapacity)
        {
            // Readers of peer sockets wait here: a node that falls behind stops reading its sockets, and TCP
            // flow control pushes back on the peers, whose own send queues then drop and report.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        backoff = new ReconnectBackoff(options.ReconnectInitialDelay, options.ReconnectMaxDelay, options.ReconnectJitter, options.Random);
        pendingHandshakes = new SemaphoreSlim(options.MaxPendingHandshakes, options.MaxPendingHandshakes);
        if (options.Security is { } security)
        {
            certificateContext = SslStreamCertificateContext.Create(security.NodeCertificate, additionalCertificates: null, offline: true);
        }

        foreach (var peer in options.Peers.Keys)
        {
            links[peer] = new PeerLink(peer, options, Metrics, feedback, Report, shutdown.Token);
        }
    }

    /// <inheritdoc/>
    public ulong NodeId => options.NodeId;

    /// <inheritdoc/>
    public ChannelReader<Message> Incoming => incoming.Reader;

    /// <summary>Counters for the metrics endpoint.</summary>
    public TransportMetrics Metrics { get; } = new();

    /// <summary>Where this node accepts connections (the bound port when the options asked for port 0).</summary>
    public IPEndPoint LocalEndpoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>The most recent connection events (handshake refusals, decode errors, dial failures), oldest first.</summary>
    public IReadOnlyList<string> RecentEvents => [.. recentEvents];

    /// <summary>
    /// Validates <paramref name="options"/> (throwing <see cref="ArgumentException"/> with every problem),
    /// binds the listener and starts the accept, dial and writer loops.
    /// </summary>
    public static TcpPeerTransport Start(PeerTransportOptions options, IRaftFeedback feedback)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(feedback);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid peer transport options: " + string.Join("; ", errors), nameof(options));
        }

        var transport = new TcpPeerTransport(options, feedback);
        transport.Bind();
        return transport;
    }

    /// <summary>True when a handshaken connection to <paramref name="peerId"/> is open.</summary>
    public bool IsConnected(ulong peerId) => links.TryGetValue(peerId, out var link) && link.Current is not null;

    /// <summary>Messages waiting in the send queue of <paramref name="peerId"/>.</summary>
    public int QueuedCount(ulong peerId) => links.TryGetValue(peerId, out var link) ? link.QueuedCount : 0;

    /// <inheritdoc/>
    public SendResult Send(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.From != options.NodeId)
        {
            throw new ArgumentException($"message from {message.From} sent through the transport of node {options.NodeId}", nameof(message));
        }

        if (Volatile.Read(ref disposed) != 0)
        {
            return SendResult.DroppedClosed;
        }

        if (!links.TryGetValue(message.To, out var link))
        {
            feedback.ReportUnreachable(message.To);
            if (message.Type == MessageType.Snapshot)
            {
                feedback.ReportSnapshot(message.To, failed: true);
            }

            return SendResult.DroppedUnknownPeer;
        }

        return link.Enqueue(message);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await shutdown.CancelAsync().ConfigureAwait(false);
        watchdog?.Dispose();
        listener?.Dispose();
        foreach (var link in links.Values)
        {
            link.Current?.Close("transport shut down");
            link.Stop();
        }

        try
        {
            await Task.WhenAll(running.Keys).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Loops end by cancellation.
        }

        incoming.Writer.TryComplete();
        shutdown.Dispose();
        pendingHandshakes.Dispose();
    }

    private void Bind()
    {
        var socket = new Socket(options.ListenEndpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(options.ListenEndpoint);
            socket.Listen(options.MaxPendingHandshakes);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        listener = socket;
        LocalEndpoint = (IPEndPoint)socket.LocalEndPoint!;
        Track(AcceptLoopAsync(socket, shutdown.Token));
        foreach (var link in links.Values)
        {
            StartLink(link, options.Peers[link.PeerId]);
        }

        // One timer checks every connection: a connection that received nothing for the idle timeout is
        // closed, even when its writer is stuck on a full socket to a peer that vanished without a reset.
        watchdog = options.Time.CreateTimer(_ => CloseIdleConnections(), null, options.HeartbeatInterval, options.HeartbeatInterval);
    }

    /// <summary>
    /// Adds a member at run time (a learner joining the site). <paramref name="endpoint"/> is required when
    /// <paramref name="peerId"/> is above this node's id, since this node dials it. False when it is already a peer.
    /// </summary>
    public bool AddPeer(ulong peerId, EndPoint? endpoint)
    {
        if (peerId == 0 || peerId == options.NodeId)
        {
            throw new ArgumentOutOfRangeException(nameof(peerId), peerId, "a peer id is non-zero and not this node's");
        }

        if (peerId > options.NodeId && endpoint is null)
        {
            throw new ArgumentException($"peer {peerId} needs an address: this node dials every peer with a higher id", nameof(endpoint));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var link = new PeerLink(peerId, options, Metrics, feedback, Report, shutdown.Token);
        if (!links.TryAdd(peerId, link))
        {
            link.Stop();
            return false;
        }

        StartLink(link, endpoint);
        Report($"peer {peerId}: added");
        return true;
    }

    /// <summary>
    /// Removes a member: its loops stop, its connection closes, its queued messages are discarded, and its
    /// handshakes are refused from now on. False when it was not a peer.
    /// </summary>
    public bool RemovePeer(ulong peerId)
    {
        if (!links.TryRemove(peerId, out var link))
        {
            return false;
        }

        link.Stop();
        link.Current?.Close("peer removed");
        Report($"peer {peerId}: removed");
        return true;
    }

    private void StartLink(PeerLink link, EndPoint? endpoint)
    {
        Track(link.RunWriterAsync(link.Lifetime));
        if (link.PeerId > options.NodeId)
        {
            Track(DialLoopAsync(link, endpoint!, link.Lifetime));
        }
    }

    private void CloseIdleConnections()
    {
        foreach (var link in links.Values)
        {
            if (link.Current is { } connection && connection.SinceLastReceive > options.IdleTimeout)
            {
                Metrics.IdleTimedOut();
                Report($"peer {link.PeerId}: nothing received for {options.IdleTimeout}, closing the connection");
                connection.Close("idle timeout");
            }
        }
    }

    /// <summary>Makes an established connection current and runs its reader until it closes.</summary>
    private void Establish(PeerLink link, PeerConnection connection)
    {
        if (!links.TryGetValue(link.PeerId, out var live) || live != link)
        {
            // The peer was removed while this connection was being made.
            connection.Close("peer removed");
            return;
        }

        var reconnect = link.Attach(connection);
        Metrics.Established(reconnect);
        Report($"peer {link.PeerId}: connected (protocol v{connection.Version}{(reconnect ? ", reconnect" : string.Empty)})");
        Track(RunConnectionAsync(link, connection));
    }

    private async Task RunConnectionAsync(PeerLink link, PeerConnection connection)
    {
        await connection.RunReaderAsync(incoming.Writer, Metrics, Report).ConfigureAwait(false);
        link.Detach(connection);
        Report($"peer {link.PeerId}: connection closed ({connection.CloseReason})");
    }

    private void Track(Task task)
    {
        running[task] = 0;
        _ = task.ContinueWith(t => running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Report(string text)
    {
        recentEvents.Enqueue(text);
        while (recentEvents.Count > MaxRecentEvents && recentEvents.TryDequeue(out _))
        {
        }
    }
}
