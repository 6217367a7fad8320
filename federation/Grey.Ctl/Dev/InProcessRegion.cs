using System.Globalization;
using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Hosting;
using Grey.Region;
using Grey.Region.Status;

namespace Grey.Ctl.Dev;

/// <summary>
/// One <c>grey-region --dev</c> hosted in this process: the real daemon (ingest, enrollment with the development
/// CA, merge, signed acks, HTTP API), built from the same flags a user would type. It can be stopped and started
/// again on the same data directory and ports (the fleet's region-restart).
/// </summary>
internal sealed class InProcessRegion : IAsyncDisposable
{
    /// <summary>Longest a start may take before it is reported as failed.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<string> _args;
    private readonly RegionDaemonDependencies _deps;

    private InProcessRegion(string id, string dataDirectory, int apiPort, string adminToken, IReadOnlyList<string> args, RegionDaemonDependencies deps)
    {
        Id = id;
        DataDirectory = dataDirectory;
        ApiUrl = "http://127.0.0.1:" + apiPort.ToString(CultureInfo.InvariantCulture);
        AdminToken = adminToken;
        _args = args;
        _deps = deps;
    }

    /// <summary>The region id.</summary>
    public string Id { get; }

    /// <summary>The data directory (store, registry journal, enrollment state, <c>region-cert.pem</c>).</summary>
    public string DataDirectory { get; }

    /// <summary>The API's base URL.</summary>
    public string ApiUrl { get; }

    /// <summary>The admin bearer token (mutations such as revoke).</summary>
    public string AdminToken { get; }

    /// <summary>The running daemon, or null while stopped.</summary>
    public RegionDaemon? Daemon { get; private set; }

    /// <summary>
    /// The flags for a region: <c>--dev</c>, the admin token, and the broker: NATS URL(s), an external MQTT URL, or the
    /// embedded MQTT broker on <paramref name="mqttEmbedded"/>. Peers need the folder holding their certificates.
    /// </summary>
    public static IReadOnlyList<string> Arguments(string id, string dataDirectory, int apiPort, string adminToken, string? natsUrl, string? mqttUrl,
        string? mqttEmbedded, IReadOnlyList<string> peers, string? peerCerts)
    {
        var args = new List<string>
        {
            "--region", id,
            "--data", dataDirectory,
            "--api", "127.0.0.1:" + apiPort.ToString(CultureInfo.InvariantCulture),
            "--dev",
            "--admin-token", adminToken,
        };
        if (natsUrl is not null)
        {
            args.AddRange(["--nats", natsUrl]);
        }

        if (mqttUrl is not null)
        {
            args.AddRange(["--mqtt", mqttUrl]);
        }
        else if (mqttEmbedded is not null)
        {
            args.AddRange(["--mqtt-embedded", mqttEmbedded]);
        }

        if (peers.Count > 0)
        {
            args.AddRange(["--peer-regions", string.Join(',', peers), "--peer-certs", peerCerts!]);
        }

        return args;
    }

    /// <summary>Parses the flags with grey-region's own parser and starts the daemon.</summary>
    public static async Task<InProcessRegion> StartAsync(string id, string dataDirectory, int apiPort, string adminToken, IReadOnlyList<string> args,
        RegionDaemonDependencies deps, CancellationToken cancellationToken)
    {
        var region = new InProcessRegion(id, dataDirectory, apiPort, adminToken, args, deps);
        await region.StartAsync(cancellationToken).ConfigureAwait(false);
        return region;
    }

    /// <summary>Starts the daemon again with the same flags (after <see cref="StopAsync"/>).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Daemon is not null)
        {
            throw new InvalidOperationException($"region {Id} is already running");
        }

        RegionDaemonOptions? options = RegionOptionsParser.Parse(_args, new Dictionary<string, string>(), File.ReadAllText, File.Exists, Directory.Exists, out List<string> errors);
        if (options is null)
        {
            throw new ArgumentException("grey-region flags refused: " + string.Join("; ", errors));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        Daemon = await RegionDaemon.StartAsync(options, _deps, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Stops the daemon (API, loop, transport, store), as SIGTERM does.</summary>
    public async Task StopAsync()
    {
        RegionDaemon? daemon = Daemon;
        Daemon = null;
        if (daemon is not null)
        {
            await daemon.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Every site the region knows, or empty while stopped.</summary>
    public IReadOnlyList<SiteStatus> Sites() => Daemon is { } d ? d.Host.Read(core => core.GetSites()) : [];

    /// <summary>Reads the region core under the host's lock (null while stopped).</summary>
    public T? Read<T>(Func<RegionCore, T> read) where T : class => Daemon is { } d ? d.Host.Read(read) : null;

    /// <summary>The failure that stopped the ingest loop, or null.</summary>
    public Exception? Failure => Daemon is { Completion.IsFaulted: true } d ? d.Completion.Exception?.GetBaseException() : null;

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
