using System.Net;
using Grey.Edge.Daemon.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// An HTTP server on loopback that answers every request with an empty 200 and <c>ETag: "1"</c>, over HTTP/1.1 and
/// HTTP/2 with prior knowledge on one port, exactly as grey-edge's plaintext API port does (the same Kestrel and
/// <see cref="ApiPort"/>), but with no node behind it. The benchmark runs its HTTP load against it to measure the
/// client's own ceiling: if the client reaches many times the rate it measured against grey-edge, the client was
/// not what limited that rate.
/// </summary>
internal sealed class TrivialHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ApiPort _port;
    private long _requests;

    private TrivialHttpServer(WebApplication app, ApiPort port)
    {
        _app = app;
        _port = port;
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{_port.LocalEndPoint.Port}/");

    public long Requests => Interlocked.Read(ref _requests);

    public static async Task<TrivialHttpServer> StartAsync()
    {
        var port = new ApiPort(new IPEndPoint(IPAddress.Loopback, 0), TimeProvider.System);
        var builder = EdgeHost.CreateBuilder();
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        port.ServeOn(builder);
        var app = builder.Build();
        var server = new TrivialHttpServer(app, port);
        app.Run(async context =>
        {
            // Read the body as grey-edge does, so the client's sending side is measured whole.
            var body = context.Request.BodyReader;
            while (true)
            {
                var read = await body.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                body.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            context.Response.Headers.ETag = "\"1\"";
            Interlocked.Increment(ref server._requests);
        });
        await app.StartAsync().ConfigureAwait(false);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _port.DisposeAsync().ConfigureAwait(false);
    }
}
