using System.Net;
using System.Net.Sockets;
using System.Text;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Daemon.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Edge.Daemon.Tests.Hosting;

/// <summary>The API's plaintext port: HTTP/1.1 and h2c on one address, with its limits on silent connections.</summary>
public sealed class ApiPortTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task EdgeNode_OnePort_ServesHttp1AndHttp2Clients()
    {
        await using var node = await NodeServer.StartAsync("site-port");
        var host = node.Host;
        using var http1 = Client(HttpVersion.Version11);
        using var http2 = Client(HttpVersion.Version20);
        var api = new Uri(host.ApiUrl);
        Assert.Equal("http", api.Scheme);
        await WaitHealthyAsync(http1, api);

        using var put = await http2.SendAsync(Request(HttpMethod.Put, new Uri(api, "v1/kv/p/k"), "over-h2", HttpVersion.Version20));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpVersion.Version20, put.Version);

        using var get = await http1.SendAsync(Request(HttpMethod.Get, new Uri(api, "v1/kv/p/k"), null, HttpVersion.Version11));
        Assert.Equal(HttpVersion.Version11, get.Version);
        Assert.Equal("over-h2", await get.Content.ReadAsStringAsync());

        using var get2 = await http2.SendAsync(Request(HttpMethod.Get, new Uri(api, "v1/kv/p/k"), null, HttpVersion.Version20));
        Assert.Equal(HttpVersion.Version20, get2.Version);
        Assert.Equal(get.Headers.ETag, get2.Headers.ETag);
    }

    [Fact]
    public async Task PrefaceInPieces_StillReachesTheRightProtocol()
    {
        await using var server = await PortServer.StartAsync(TimeProvider.System);

        // HTTP/2: the preface split after "PR"; the server's first frame is its SETTINGS (type 4).
        using (var h2 = await server.ConnectAsync())
        {
            await h2.SendAsync("PR"u8.ToArray());
            await Task.Delay(50);
            byte[] rest = [.. "I * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 0, 4, 0, 0, 0, 0, 0];
            await h2.SendAsync(rest);
            var frame = await ReceiveAsync(h2, 9);
            Assert.Equal(4, frame[3]);
        }

        // HTTP/1.1: a request split after "P".
        using (var h1 = await server.ConnectAsync())
        {
            await h1.SendAsync("P"u8.ToArray());
            await Task.Delay(50);
            await h1.SendAsync("UT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"u8.ToArray());
            Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(await ReceiveAsync(h1, 12)));
        }
    }

    [Fact]
    public async Task Garbage_GetsHttp1BadRequest_AndThePortKeepsServing()
    {
        await using var server = await PortServer.StartAsync(TimeProvider.System);
        using (var garbage = await server.ConnectAsync())
        {
            await garbage.SendAsync("\u0016\u0003\u0001GARBAGE\r\n\r\n"u8.ToArray());
            Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(await ReceiveAsync(garbage, 12)));
        }

        // A client that connects and leaves without a byte.
        using (var leaver = await server.ConnectAsync())
        {
            leaver.Shutdown(SocketShutdown.Both);
        }

        using var http2 = Client(HttpVersion.Version20);
        using var ok = await http2.SendAsync(Request(HttpMethod.Get, server.BaseAddress, null, HttpVersion.Version20));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        await WaitAsync(() => server.Port.Sniffing == 0, "the leaver's sniff never ended");
    }

    [Fact]
    public async Task SilentConnection_ClosedAfterTheSniffTimeout_NotBefore()
    {
        var time = new FakeTimeProvider();
        await using var server = await PortServer.StartAsync(time);
        using var silent = await server.ConnectAsync();
        await WaitAsync(() => server.Port.Sniffing == 1, "the connection was never accepted");

        time.Advance(ApiPort.SniffTimeout - TimeSpan.FromSeconds(1));
        silent.ReceiveTimeout = 300;
        var buffer = new byte[1];
        var stillOpen = Assert.Throws<SocketException>(() => silent.Receive(buffer));
        Assert.Equal(SocketError.TimedOut, stillOpen.SocketErrorCode);

        time.Advance(TimeSpan.FromSeconds(2));
        silent.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        Assert.Equal(0, silent.Receive(buffer));
        await WaitAsync(() => server.Port.Sniffing == 0, "the sniff count did not drop");
    }

    [Fact]
    public async Task SilentFlood_BeyondTheLimit_IsRefusedAndCounted_ThenTheNodeServesAgain()
    {
        await using var node = await NodeServer.StartAsync("site-flood");
        var host = node.Host;
        var api = new Uri(host.ApiUrl);
        var silent = new List<Socket>();
        try
        {
            for (var i = 0; i < ApiPort.MaxSniffing; i++)
            {
                silent.Add(await ConnectAsync(api.Port));
            }

            await WaitAsync(() => host.ApiPort!.Sniffing == ApiPort.MaxSniffing, "not every silent connection was accepted");
            using var extra = await ConnectAsync(api.Port);
            extra.ReceiveTimeout = (int)Patience.TotalMilliseconds;
            await WaitAsync(() => host.ApiPort!.Refused == 1, "the connection past the limit was not refused");
            Assert.Equal(0, extra.Receive(new byte[1]));
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }

        await WaitAsync(() => host.ApiPort!.Sniffing == 0, "the silent connections' sniffs never ended");
        using var http2 = Client(HttpVersion.Version20);
        await WaitHealthyAsync(http2, api);
        using var metrics = await http2.SendAsync(Request(HttpMethod.Get, new Uri(api, "metrics"), null, HttpVersion.Version20));
        Assert.Contains("\ngrey_edge_api_connections_refused_total 1\n", await metrics.Content.ReadAsStringAsync());
    }

    private static HttpClient Client(Version version) => new(new SocketsHttpHandler { UseProxy = false })
    {
        Timeout = Patience,
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static HttpRequestMessage Request(HttpMethod method, Uri uri, string? body, Version version) =>
        new(method, uri) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = body is null ? null : new StringContent(body) };

    private static async Task WaitHealthyAsync(HttpClient client, Uri api)
    {
        var deadline = DateTime.UtcNow + Patience;
        while ((await client.GetAsync(new Uri(api, "healthz"))).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "the node never became healthy");
            await Task.Delay(20);
        }
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int count)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
            Assert.True(n > 0, $"closed after {filled} of {count} bytes");
            filled += n;
        }

        return buffer;
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return socket;
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(10);
        }
    }

    /// <summary>A one-node site's real host on port 0, its data directory deleted afterwards.</summary>
    private sealed class NodeServer : IAsyncDisposable
    {
        private readonly string data;

        private NodeServer(string data, EdgeHost host)
        {
            this.data = data;
            Host = host;
        }

        public EdgeHost Host { get; }

        public static async Task<NodeServer> StartAsync(string site)
        {
            var data = Path.Combine(Path.GetTempPath(), "grey-edge-apiport-" + Guid.NewGuid().ToString("N"));
            var host = await EdgeHost.StartAsync(
                new DaemonOptions { NodeId = 1, Site = site, DataDirectory = data, Api = new IPEndPoint(IPAddress.Loopback, 0), TickMs = 20 },
                TimeProvider.System);
            return new NodeServer(data, host);
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>A Kestrel app answering 200 on an <see cref="ApiPort"/>, configured as the node's API is.</summary>
    private sealed class PortServer : IAsyncDisposable
    {
        private readonly WebApplication app;

        private PortServer(WebApplication app, ApiPort port)
        {
            this.app = app;
            Port = port;
        }

        public ApiPort Port { get; }

        public Uri BaseAddress => new($"http://127.0.0.1:{Port.LocalEndPoint.Port}/");

        public static async Task<PortServer> StartAsync(TimeProvider time)
        {
            var port = new ApiPort(new IPEndPoint(IPAddress.Loopback, 0), time);
            var builder = EdgeHost.CreateBuilder();
            port.ServeOn(builder);
            var app = builder.Build();
            app.Run(context => Task.CompletedTask);
            await app.StartAsync();
            return new PortServer(app, port);
        }

        public Task<Socket> ConnectAsync() => ApiPortTests.ConnectAsync(Port.LocalEndPoint.Port);

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await Port.DisposeAsync();
        }
    }
}
