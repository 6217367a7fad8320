using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// A TCP proxy on loopback that forwards every accepted connection to one target and can black-hole
/// either direction. A blocked direction drops bytes silently (a partition, not a reset: the peers only
/// notice through their own timeouts). Because dropping bytes mid-stream breaks the framing of whatever
/// protocol runs on top, <see cref="Heal"/> closes every connection that dropped bytes, so the peers
/// reconnect on a clean stream, as they would after a real partition long enough to break the connection.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    /// <summary>The most connections proxied at once; further ones are closed on accept.</summary>
    public const int MaxConnections = 256;

    /// <summary>The copy buffer per direction of one connection.</summary>
    public const int BufferBytes = 64 * 1024;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<long, ProxiedConnection> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private long _nextId;
    private int _blocked;
    private long _bytesForwarded;
    private long _bytesDropped;

    private FaultProxy(TcpListener listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The loopback address clients dial to reach the target through this proxy.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The directions currently blocked.</summary>
    public LinkDirection Blocked => (LinkDirection)Volatile.Read(ref _blocked);

    /// <summary>Bytes passed through, both directions together.</summary>
    public long BytesForwarded => Interlocked.Read(ref _bytesForwarded);

    /// <summary>Bytes dropped by a blocked direction.</summary>
    public long BytesDropped => Interlocked.Read(ref _bytesDropped);

    /// <summary>Connections open right now.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Starts a proxy on a free loopback port (or <paramref name="listenPort"/>) forwarding to <paramref name="target"/>.</summary>
    public static FaultProxy Start(IPEndPoint target, int listenPort = 0)
    {
        ArgumentNullException.ThrowIfNull(target);
        var listener = new TcpListener(IPAddress.Loopback, listenPort);
        listener.Start();
        return new FaultProxy(listener, target);
    }

    /// <summary>Adds <paramref name="direction"/> to the blocked directions.</summary>
    public void Block(LinkDirection direction)
    {
        int current;
        do
        {
            current = Volatile.Read(ref _blocked);
        }
        while (Interlocked.CompareExchange(ref _blocked, current | (int)direction, current) != current);
    }

    /// <summary>Unblocks every direction and closes the connections that lost bytes while blocked.</summary>
    public void Heal()
    {
        Volatile.Write(ref _blocked, (int)LinkDirection.None);
        foreach (ProxiedConnection connection in _connections.Values)
        {
            if (connection.DroppedBytes)
            {
                connection.Close();
            }
        }
    }

    /// <summary>Closes every open connection (a reset as the peers see it); blocking is unchanged.</summary>
    public void ResetConnections()
    {
        foreach (ProxiedConnection connection in _connections.Values)
        {
            connection.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        ResetConnections();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The accept loop ends by cancellation; nothing else to report.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_connections.Count >= MaxConnections)
            {
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        client.NoDelay = true;
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The target is down (a killed node): the dialer sees its connection closed, as with a refused dial.
            upstream.Dispose();
            client.Dispose();
            return;
        }

        long id = Interlocked.Increment(ref _nextId);
        var connection = new ProxiedConnection(client, upstream);
        _connections[id] = connection;
        try
        {
            Task forward = PumpAsync(connection, client, upstream, LinkDirection.Forward);
            Task backward = PumpAsync(connection, upstream, client, LinkDirection.Backward);
            await Task.WhenAny(forward, backward).ConfigureAwait(false);
            connection.Close();
            await Task.WhenAll(forward, backward).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(id, out _);
            connection.Close();
        }
    }

    private async Task PumpAsync(ProxiedConnection connection, Socket from, Socket to, LinkDirection direction)
    {
        byte[] buffer = new byte[BufferBytes];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                if ((Blocked & direction) != 0)
                {
                    connection.DroppedBytes = true;
                    Interlocked.Add(ref _bytesDropped, n);
                    continue;
                }

                int sent = 0;
                while (sent < n)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }

                Interlocked.Add(ref _bytesForwarded, n);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A closed or reset connection ends the pump; the other direction is closed by the caller.
        }
    }

    /// <summary>One accepted connection and its upstream leg.</summary>
    private sealed class ProxiedConnection(Socket client, Socket upstream)
    {
        private int _closed;

        /// <summary>Set when a blocked direction dropped bytes of this connection (its stream is now broken).</summary>
        public volatile bool DroppedBytes;

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }

            client.Dispose();
            upstream.Dispose();
        }
    }
}
