using System.Buffers;
using System.Threading.Channels;
using Grey.Edge.Transport.Protocol;
using Grey.Raft;

namespace Grey.Edge.Transport;

/// <summary>
/// Everything this node keeps for one peer: the bounded send queue, the current connection (at most one:
/// a newer connection replaces an older one), and the writer loop that drains the queue into the connection,
/// batching frames and sending heartbeats when idle.
/// </summary>
internal sealed class PeerLink
{
    private readonly Channel<Message> queue;
    private readonly PeerTransportOptions options;
    private readonly TransportMetrics metrics;
    private readonly IRaftFeedback feedback;
    private readonly Action<string> report;
    private readonly Lock gate = new();
    private PeerConnection? current;
    private TaskCompletionSource<PeerConnection>? waiter;
    private readonly CancellationTokenSource lifetime;
    private bool everConnected;

    public PeerLink(ulong peerId, PeerTransportOptions options, TransportMetrics metrics, IRaftFeedback feedback, Action<string> report, CancellationToken transportShutdown)
    {
        lifetime = CancellationTokenSource.CreateLinkedTokenSource(transportShutdown);
        PeerId = peerId;
        this.options = options;
        this.metrics = metrics;
        this.feedback = feedback;
        this.report = report;

        // Full mode Wait, but only TryWrite is ever called: a full queue makes TryWrite return false at once,
        // and Send drops the message and reports it. Nothing ever waits on this queue's capacity.
        queue = Channel.CreateBounded<Message>(new BoundedChannelOptions(options.SendQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    /// <summary>The peer's id.</summary>
    public ulong PeerId { get; }

    /// <summary>Cancelled when the peer is removed or the transport shuts down: ends this link's loops.</summary>
    public CancellationToken Lifetime => lifetime.Token;

    /// <summary>Ends this link's loops (the peer was removed, or the transport stops).</summary>
    public void Stop()
    {
        try
        {
            lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already stopped.
        }
    }

    /// <summary>Messages waiting in the send queue.</summary>
    public int QueuedCount => queue.Reader.Count;

    /// <summary>The live connection, if any.</summary>
    public PeerConnection? Current
    {
        get
        {
            lock (gate)
            {
                return current is { IsClosed: false } ? current : null;
            }
        }
    }

    /// <summary>Queues a message without waiting; a full queue drops it and reports it to Raft.</summary>
    public SendResult Enqueue(Message message)
    {
        if (queue.Writer.TryWrite(message))
        {
            return SendResult.Queued;
        }

        metrics.DroppedQueueFull();
        ReportLost(message);
        return SendResult.DroppedQueueFull;
    }

    /// <summary>Makes <paramref name="connection"/> the current one and closes the one it replaces; true when the peer was connected before.</summary>
    public bool Attach(PeerConnection connection)
    {
        PeerConnection? old;
        bool reconnect;
        lock (gate)
        {
            old = current;
            current = connection;
            reconnect = everConnected;
            everConnected = true;
            waiter?.TrySetResult(connection);
            waiter = null;
        }

        old?.Close("replaced by a newer connection");
        return reconnect;
    }

    /// <summary>Forgets <paramref name="connection"/> once it closed (unless a newer one replaced it already) and tells Raft.</summary>
    public void Detach(PeerConnection connection)
    {
        lock (gate)
        {
            if (current == connection)
            {
                current = null;
            }
        }

        feedback.ReportUnreachable(PeerId);
    }

    /// <summary>Drains the queue into whichever connection is current until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunWriterAsync(CancellationToken cancellationToken)
    {
        var output = new ArrayBufferWriter<byte>(options.WriteBatchBytes * 2);
        while (!cancellationToken.IsCancellationRequested)
        {
            PeerConnection connection;
            try
            {
                connection = await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await PumpAsync(connection, output, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<PeerConnection> WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        Task<PeerConnection> wait;
        lock (gate)
        {
            if (current is { IsClosed: false } live)
            {
                return live;
            }

            waiter ??= new TaskCompletionSource<PeerConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = waiter.Task;
        }

        return await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task PumpAsync(PeerConnection connection, ArrayBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        var batchMessages = 0;
        var batchSnapshots = 0;
        var lastSent = options.Time.GetTimestamp();
        output.ResetWrittenCount();
        try
        {
            while (!connection.IsClosed && !cancellationToken.IsCancellationRequested)
            {
                while (output.WrittenCount < options.WriteBatchBytes && queue.Reader.TryRead(out var message))
                {
                    var error = FrameCodec.TryWriteMessage(output, message, connection.Version, out _);
                    if (error is not null)
                    {
                        metrics.DroppedUnencodable();
                        report($"peer {PeerId}: dropped a {message.Type} message that cannot be sent: {error}");
                        ReportLost(message);
                        continue;
                    }

                    batchMessages++;
                    if (message.Type == MessageType.Snapshot)
                    {
                        batchSnapshots++;
                    }
                }

                if (output.WrittenCount > 0)
                {
                    await connection.WriteAsync(output.WrittenMemory).ConfigureAwait(false);
                    metrics.FramesWritten(batchMessages, output.WrittenCount);
                    metrics.MessagesWritten(batchMessages);
                    for (; batchSnapshots > 0; batchSnapshots--)
                    {
                        feedback.ReportSnapshot(PeerId, failed: false);
                    }

                    batchMessages = 0;
                    output.ResetWrittenCount();
                    lastSent = options.Time.GetTimestamp();
                    continue;
                }

                var idle = options.Time.GetElapsedTime(lastSent);
                if (idle >= options.HeartbeatInterval)
                {
                    await connection.WriteAsync(connection.HeartbeatFrame).ConfigureAwait(false);
                    metrics.FrameSent(connection.HeartbeatFrame.Length);
                    metrics.HeartbeatSent();
                    lastSent = options.Time.GetTimestamp();
                    idle = TimeSpan.Zero;
                }

                await WaitForMessagesAsync(connection, options.HeartbeatInterval - idle, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (batchMessages > 0)
            {
                // These messages left the queue but never reached the socket.
                metrics.DroppedConnectionLost(batchMessages);
                for (; batchSnapshots > 0; batchSnapshots--)
                {
                    feedback.ReportSnapshot(PeerId, failed: true);
                }
            }

            output.ResetWrittenCount();
            connection.Close(connection.IsClosed ? connection.CloseReason ?? "closed" : $"write failed: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Waits until a message is queued, the heartbeat is due, the connection closes or the transport stops.</summary>
    private async Task WaitForMessagesAsync(PeerConnection connection, TimeSpan heartbeatDue, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(heartbeatDue, options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.ClosedToken, timer.Token);
        try
        {
            await queue.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !connection.IsClosed)
        {
            // The heartbeat is due: the pump loop sends it.
        }
    }

    private void ReportLost(Message message)
    {
        feedback.ReportUnreachable(PeerId);
        if (message.Type == MessageType.Snapshot)
        {
            feedback.ReportSnapshot(PeerId, failed: true);
        }
    }
}
