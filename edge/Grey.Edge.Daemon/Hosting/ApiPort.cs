using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Grey.Edge.Daemon.Hosting;

/// <summary>
/// The API's plaintext port, serving HTTP/1.1 and HTTP/2 with prior knowledge (h2c) on the same address. It owns
/// the listening socket; each accepted connection's first bytes (<see cref="ApiPreface"/>) pick which of two Kestrel
/// endpoints gets it, one configured for HTTP/1.1 and one for HTTP/2. HTTP/2 lets one connection carry many
/// concurrent requests, as etcd's gRPC clients do: with 64 writers on 3 connections instead of 64, a node did about
/// a quarter more writes per second on the same CPU (docs/BENCHMARKS.md). Over TLS the protocol is negotiated by
/// ALPN instead and this class is not used.
/// </summary>
internal sealed class ApiPort : IAsyncDisposable
{
    /// <summary>Connections whose first bytes are still awaited; more are closed at once (a flood of silent clients).</summary>
    public const int MaxSniffing = 256;

    /// <summary>Accepted connections waiting for Kestrel to take them, per protocol; more are closed.</summary>
    public const int MaxAcceptQueue = 512;

    /// <summary>Listen backlog of the socket.</summary>
    public const int Backlog = 512;

    /// <summary>How long a new connection may stay silent before it is closed: Kestrel's own request-headers timeout.</summary>
    public static readonly TimeSpan SniffTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Pause before peeking again when fewer than three bytes have arrived (rare: clients send the preface whole).</summary>
    public static readonly TimeSpan PeekRetry = TimeSpan.FromMilliseconds(5);

    private readonly IPEndPoint address;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Channel<ConnectionContext> http1 = Channel.CreateBounded<ConnectionContext>(new BoundedChannelOptions(MaxAcceptQueue) { FullMode = BoundedChannelFullMode.Wait });
    private readonly Channel<ConnectionContext> http2 = Channel.CreateBounded<ConnectionContext>(new BoundedChannelOptions(MaxAcceptQueue) { FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource stopping = new();
    private readonly SocketConnectionContextFactory contexts = new(new SocketConnectionFactoryOptions(), NullLogger.Instance);
    private Socket? listener;
    private Task acceptLoop = Task.CompletedTask;
    private int sniffing;
    private int bound;
    private long refused;

    public ApiPort(IPEndPoint address, TimeProvider time)
    {
        this.address = address;
        this.time = time;
        Http1 = new ApiPortEndPoint(this, HttpProtocols.Http1);
        Http2 = new ApiPortEndPoint(this, HttpProtocols.Http2);
    }

    /// <summary>The endpoint to give Kestrel for HTTP/1.1 (listed first: its address is the API's URL).</summary>
    public ApiPortEndPoint Http1 { get; }

    /// <summary>The endpoint to give Kestrel for HTTP/2 with prior knowledge.</summary>
    public ApiPortEndPoint Http2 { get; }

    /// <summary>The address as bound (the real port when 0 was asked); the asked address before binding.</summary>
    public IPEndPoint LocalEndPoint => listener?.LocalEndPoint as IPEndPoint ?? address;

    /// <summary>Accepted connections whose protocol is not decided yet.</summary>
    public int Sniffing => Volatile.Read(ref sniffing);

    /// <summary>Connections closed because <see cref="MaxSniffing"/> or <see cref="MaxAcceptQueue"/> was reached.</summary>
    public long Refused => Interlocked.Read(ref refused);

    /// <summary>Makes <paramref name="builder"/>'s Kestrel serve HTTP/1.1 and HTTP/2 on this port.</summary>
    public void ServeOn(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // HTTP/1.1 first: Kestrel lists its address first, and that is the API's URL.
            k.Listen(Http1, listen => listen.Protocols = HttpProtocols.Http1);
            k.Listen(Http2, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddSingleton<IConnectionListenerFactory, ApiPortListenerFactory>();
    }

    /// <summary>Binds the socket on the first call (either endpoint) and returns that endpoint's listener.</summary>
    internal IConnectionListener Bind(ApiPortEndPoint endPoint)
    {
        lock (gate)
        {
            if (listener is null)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    // As Kestrel's own socket transport does: a restarted node rebinds while old connections linger.
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.Address.Equals(IPAddress.IPv6Any))
                    {
                        socket.DualMode = true;
                    }

                    socket.Bind(address);
                    socket.Listen(Backlog);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    socket.Dispose();
                    throw new AddressInUseException(e.Message, e);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                listener = socket;
                acceptLoop = Task.Run(AcceptLoopAsync);
            }

            bound++;
        }

        return new Listener(this, endPoint, endPoint.Protocol == HttpProtocols.Http2 ? http2.Reader : http1.Reader);
    }

    private async Task AcceptLoopAsync()
    {
        var socket = listener!;
        while (!stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await socket.AcceptAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection reset between the kernel's accept and ours (ECONNABORTED): the next one may be fine.
                continue;
            }

            if (Interlocked.Increment(ref sniffing) > MaxSniffing)
            {
                Interlocked.Decrement(ref sniffing);
                Interlocked.Increment(ref refused);
                accepted.Dispose();
                continue;
            }

            _ = SniffAsync(accepted);
        }
    }

    private async Task SniffAsync(Socket socket)
    {
        var handedOver = false;
        try
        {
            socket.NoDelay = true;
            var kind = await ReadPrefaceAsync(socket).ConfigureAwait(false);
            if (kind == ApiPrefaceKind.NeedMore)
            {
                return;
            }

            var context = contexts.Create(socket);
            var queue = kind == ApiPrefaceKind.Http2 ? http2.Writer : http1.Writer;
            if (queue.TryWrite(context))
            {
                handedOver = true;
            }
            else
            {
                Interlocked.Increment(ref refused);
                await context.DisposeAsync().ConfigureAwait(false);
                handedOver = true;
            }
        }
        catch (SocketException)
        {
            // The client went away before saying anything.
        }
        catch (ObjectDisposedException)
        {
            // The port stopped.
        }
        catch (OperationCanceledException)
        {
            // Silent past the timeout, or the port stopped.
        }
        finally
        {
            Interlocked.Decrement(ref sniffing);
            if (!handedOver)
            {
                socket.Dispose();
            }
        }
    }

    // NeedMore back means: closed, silent past the timeout, or the port stopped; the caller closes the socket.
    private async Task<ApiPrefaceKind> ReadPrefaceAsync(Socket socket)
    {
        using var deadline = new CancellationTokenSource(SniffTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stopping.Token);
        var buffer = new byte[ApiPreface.Method.Length];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.Peek, linked.Token).ConfigureAwait(false);
            if (n == 0)
            {
                return ApiPrefaceKind.NeedMore;
            }

            var kind = ApiPreface.Classify(buffer.AsSpan(0, n));
            if (kind != ApiPrefaceKind.NeedMore)
            {
                return kind;
            }

            // A peek returns at once while the bytes it saw are unread, so waiting for the rest needs a pause.
            await Task.Delay(PeekRetry, time, linked.Token).ConfigureAwait(false);
        }
    }

    private void Unbind()
    {
        lock (gate)
        {
            if (--bound > 0)
            {
                return;
            }
        }

        Stop();
    }

    private void Stop()
    {
        stopping.Cancel();
        listener?.Dispose();
        http1.Writer.TryComplete();
        http2.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        await acceptLoop.ConfigureAwait(false);
        foreach (var queue in new[] { http1, http2 })
        {
            while (queue.Reader.TryRead(out var left))
            {
                await left.DisposeAsync().ConfigureAwait(false);
            }
        }

        // Not disposing the token source: a connection still sniffing may link to it a moment later.
        contexts.Dispose();
    }

    private sealed class Listener(ApiPort port, ApiPortEndPoint endPoint, ChannelReader<ConnectionContext> queue) : IConnectionListener
    {
        private int unbound;

        public EndPoint EndPoint => endPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await queue.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // Kestrel reads null as "this listener is done".
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref unbound, 1) == 0)
            {
                port.Unbind();
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => UnbindAsync();
    }
}

/// <summary>One protocol's side of an <see cref="ApiPort"/>, as a Kestrel endpoint; it prints as the port's address.</summary>
internal sealed class ApiPortEndPoint(ApiPort port, HttpProtocols protocol) : EndPoint
{
    public ApiPort Port { get; } = port;

    public HttpProtocols Protocol { get; } = protocol;

    public override AddressFamily AddressFamily => Port.LocalEndPoint.AddressFamily;

    public override string ToString() => Port.LocalEndPoint.ToString();
}

/// <summary>Lets Kestrel bind <see cref="ApiPortEndPoint"/>s; every other endpoint goes to Kestrel's socket transport.</summary>
internal sealed class ApiPortListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is ApiPortEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        endpoint is ApiPortEndPoint api
            ? ValueTask.FromResult(api.Port.Bind(api))
            : throw new NotSupportedException($"{endpoint} is not an API port endpoint");
}
