using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Edge.Daemon.Api;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Daemon.Uplink;
using Grey.Edge.Devices;
using Grey.Edge.Node;
using Grey.Edge.Outbox;
using Grey.Edge.Storage;
using Grey.Edge.Storage.Files;
using Grey.Edge.Transport;
using Grey.Edge.Transport.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Grey.Edge.Daemon.Hosting;

/// <summary>
/// The daemon's composition: opens the storage, starts the peer transport and the node, and serves the API.
/// Thin on purpose: the node is the library; this only wires real disks, sockets and the system clock to it.
/// </summary>
internal sealed class EdgeHost : IAsyncDisposable
{
    /// <summary>Most time a forwarded write or a proxied membership call may take.</summary>
    public static readonly TimeSpan ForwardTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient client;
    private readonly RegionParts? region;
    private readonly ApiPort? apiPort;

    private EdgeHost(WebApplication app, EdgeNode node, HttpClient client, RegionParts? region, DeviceListener? devices, ApiPort? apiPort)
    {
        this.apiPort = apiPort;
        App = app;
        Node = node;
        this.client = client;
        this.region = region;
        Devices = devices;
    }

    /// <summary>The local MQTT listener for devices (<c>--device-mqtt</c>; null without it).</summary>
    public DeviceListener? Devices { get; }

    /// <summary>The web application serving the API.</summary>
    public WebApplication App { get; }

    /// <summary>The node.</summary>
    public EdgeNode Node { get; }

    /// <summary>The link to the home region (null when standalone).</summary>
    public IRegionLinkView? RegionLink => region?.View;

    /// <summary>The plaintext API port (null over TLS).</summary>
    internal ApiPort? ApiPort => apiPort;

    /// <summary>The API's base URL as bound (the real port when 0 was asked).</summary>
    public string ApiUrl => App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>Starts a node and its API from validated options.</summary>
    public static async Task<EdgeHost> StartAsync(DaemonOptions options, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var seed = NewSeed();
        var random = new Random(seed);
        var builder = CreateBuilder();
        if (options.Region is not null && options.LogLinkEvents)
        {
            // Link, enrollment and attestation events are worth a line each; everything else stays at warnings.
            builder.Logging.AddFilter("Grey", LogLevel.Information);
        }

        X509Certificate2? apiCertificate = options.ApiCertFile is { } certFile ? X509Certificate2.CreateFromPemFile(certFile, options.ApiKeyFile) : null;
        // Plaintext: one port for HTTP/1.1 and h2c (ApiPort); over TLS, Kestrel's own listener and ALPN.
        var apiPort = apiCertificate is null ? new ApiPort(options.Api!, time) : null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = ApiLimits.MaxValueBytes + 1;
            if (apiPort is null)
            {
                k.Listen(options.Api!, listen => listen.UseHttps(apiCertificate!));
            }
        });
        apiPort?.ServeOn(builder);

        var scheme = apiCertificate is null ? "http" : "https";
        var advertise = options.ApiAdvertise ?? $"{scheme}://{options.Api}";
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(2) };
        var client = new HttpClient(handler) { Timeout = ForwardTimeout };

        // With --region the outbox journal is the node's apply hook and holds back log compaction until the region
        // acknowledged; standalone, none of it exists (the same footprint as before the uplink).
        var region = options.Region is null ? null : new RegionParts(OpenJournal(options, time));
        WalRaftStorage storage;
        try
        {
            storage = await WalRaftStorage.OpenAsync(PhysicalFileSystem.Instance, options.DataDirectory, new EdgeStorageOptions(), region?.Journal.Retention ?? NoRetention.Instance, time, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            region?.Journal.Dispose();
            client.Dispose();
            await DisposeAsync(apiPort).ConfigureAwait(false);
            throw;
        }

        var voters = options.Peers.Keys.Order().ToArray();
        var nodeOptions = new EdgeNodeOptions
        {
            NodeId = options.NodeId,
            Site = options.Site,
            InitialVoters = options.Join ? [] : voters,
            Join = options.Join,
            ApiAddress = advertise,
            TickInterval = TimeSpan.FromMilliseconds(options.TickMs),
            ElectionTicks = options.ElectionTicks,
            SnapshotEntries = options.SnapshotEntries,
            RequestTimeout = TimeSpan.FromMilliseconds(options.RequestTimeoutMs),
        };
        Func<IRaftFeedback, IPeerTransport> transport = options.Peers.Count == 0
            ? _ => new NoPeersTransport(options.NodeId)
            : feedback => TcpPeerTransport.Start(
                new PeerTransportOptions
                {
                    NodeId = options.NodeId,
                    SiteId = options.Site,
                    ListenEndpoint = options.PeerListen!,
                    Peers = options.Peers.Where(p => p.Key != options.NodeId).ToDictionary(p => p.Key, p => (EndPoint?)p.Value),
                    Insecure = options.Insecure,
                    Security = options.Insecure ? null : new TransportSecurity(
                        X509Certificate2.CreateFromPemFile(options.PeerCertFile!, options.PeerKeyFile),
                        X509Certificate2.CreateFromPemFile(options.PeerCaFile!)),
                    Time = time,
                    Random = new Random(seed ^ 0x5EED),
                },
                feedback);
        EdgeNode node;
        try
        {
            node = await EdgeNode.StartAsync(nodeOptions, storage, transport, new HttpProposalForwarder(client, EdgeNode.NodeName(options.NodeId)), time, random, region?.Journal).ConfigureAwait(false);
        }
        catch
        {
            await storage.DisposeAsync().ConfigureAwait(false);
            region?.Journal.Dispose();
            client.Dispose();
            await DisposeAsync(apiPort).ConfigureAwait(false);
            throw;
        }

        var app = builder.Build();
        if (region is not null)
        {
            RegionLinkSections.Use(app, () => region.View);
        }

        new EdgeApi(node, client, apiPort).Map(app);
        DeviceListener? devices = null;
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            if (region is not null)
            {
                await StartRegionLinkAsync(region, options, node, time, seed, app).ConfigureAwait(false);
            }

            if (options.DeviceMqtt is not null)
            {
                devices = await StartDevicesAsync(options, node, time, app).ConfigureAwait(false);
            }
        }
        catch
        {
            if (region?.Link is { } started)
            {
                await started.DisposeAsync().ConfigureAwait(false);
            }

            await app.DisposeAsync().ConfigureAwait(false);
            await node.DisposeAsync().ConfigureAwait(false);
            region?.Journal.Dispose();
            client.Dispose();
            await DisposeAsync(apiPort).ConfigureAwait(false);
            throw;
        }

        return new EdgeHost(app, node, client, region, devices, apiPort);
    }

    /// <summary>
    /// The seed of the node's random source (elections, proposal ids, the site's epoch): 31 bits from a version 4 GUID,
    /// whose bits come from the operating system's secure random source. Not <see cref="RandomNumberGenerator"/>: on Linux
    /// that goes through OpenSSL, which a standalone node otherwise never loads (about 3.5 MB resident).
    /// </summary>
    internal static int NewSeed() => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(Guid.NewGuid().ToByteArray()) & int.MaxValue;

    /// <summary>Stops the API first (no new requests), then the node (pending requests fail cleanly), then the rest.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await App.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Requests still open after 5 s are cut.
        }

        // Devices stop before the node: a write in flight then gets "stopped" (no PUBACK, the device resends).
        if (Devices is not null)
        {
            await Devices.DisposeAsync().ConfigureAwait(false);
        }

        if (region?.Link is { } link)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        await Node.DisposeAsync().ConfigureAwait(false);
        region?.Journal.Dispose();
        await App.DisposeAsync().ConfigureAwait(false);
        client.Dispose();
        await DisposeAsync(apiPort).ConfigureAwait(false);
    }

    private static ValueTask DisposeAsync(ApiPort? port) => port?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>
    /// The web host with only what the API uses: Kestrel, routing and warnings on the console. Not the slim builder:
    /// that one also reads appsettings files, every environment variable and the command line into an
    /// <c>IConfiguration</c> and binds the logging filters from it, none of which configures Grey (flags,
    /// <c>GREY_EDGE_*</c> and <c>--config</c> do), and all of which a NativeAOT node paid for in resident memory
    /// (code and type data touched at start, heap; docs/BENCHMARKS.md, "Edge footprint"). No configuration source
    /// also means no file watcher: each took an inotify instance (128 per user by default), which hosts running
    /// many nodes in one process (greyctl dev, sim fleet) ran out of past about 120 nodes.
    /// </summary>
    internal static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Logging.AddConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None); // else every request starts an Activity and a log scope (~2% of a node's CPU under write load, docs/BENCHMARKS.md)
        return builder;
    }

    // Separate, not inlined methods: a standalone daemon never runs (nor JIT-compiles) the region code paths.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static OutboxJournal OpenJournal(DaemonOptions options, TimeProvider time) =>
        OutboxJournal.Open(PhysicalFileSystem.Instance, Path.Combine(options.DataDirectory, "outbox"), new OutboxJournalOptions(), time);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task StartRegionLinkAsync(RegionParts region, DaemonOptions options, EdgeNode node, TimeProvider time, int seed, WebApplication app)
    {
        var link = await Uplink.RegionLink.StartAsync(options, node, region.Journal, time, seed, app.Services.GetRequiredService<ILoggerFactory>()).ConfigureAwait(false);
        region.Link = link;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Task<DeviceListener> StartDevicesAsync(DaemonOptions options, EdgeNode node, TimeProvider time, WebApplication app) =>
        DeviceListener.StartAsync(
            new DeviceListenerOptions
            {
                Endpoint = options.DeviceMqtt!,
                UsersFile = options.DeviceUsersFile,
                ServerCertificateFile = options.DeviceCertFile,
                ClientCaFile = options.DeviceCaFile,
            },
            DeviceWrites.For(node),
            time,
            app.Services.GetRequiredService<ILoggerFactory>());

    /// <summary>The parts <c>--region</c> adds: the outbox journal (from the start) and the link (once started).</summary>
    private sealed class RegionParts(OutboxJournal journal)
    {
        public OutboxJournal Journal { get; } = journal;

        public Uplink.RegionLink? Link { get; set; }

        public IRegionLinkView? View => Link;
    }
}
