using System.Net;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Daemon.Hosting;

namespace Grey.Edge.Daemon.Tests.Api;

/// <summary>One one-node site serving its API on 127.0.0.1 with port 0, shared by the API tests.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private readonly string data = Path.Combine(Path.GetTempPath(), "grey-edge-api-" + Guid.NewGuid().ToString("N"));

    internal EdgeHost Host { get; private set; } = null!;

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    public async Task InitializeAsync()
    {
        var options = new DaemonOptions
        {
            NodeId = 1,
            Site = "site-api",
            DataDirectory = data,
            Api = new IPEndPoint(IPAddress.Loopback, 0),
            TickMs = 20,
        };
        Host = await EdgeHost.StartAsync(options, TimeProvider.System);
        Client.BaseAddress = new Uri(Host.ApiUrl);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await Client.GetAsync("/healthz")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "the node never became healthy");
            await Task.Delay(20);
        }
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        Directory.Delete(data, recursive: true);
    }
}
