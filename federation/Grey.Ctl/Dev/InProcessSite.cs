using System.Globalization;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Daemon.Hosting;
using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Dev;

/// <summary>
/// One edge site hosted in this process: a Raft group of real <c>grey-edge</c> nodes (<see cref="EdgeHost"/>: WAL,
/// peer transport over loopback TCP, HTTP API, outbox, uplink, software TPM), each built from the flags a user would
/// type. A node can be stopped and started again on the same data directory and ports (the fleet's node-crash).
/// </summary>
internal sealed class InProcessSite : IAsyncDisposable
{
    private readonly IReadOnlyList<string>[] _args;
    private readonly EdgeHost?[] _hosts;
    private readonly Func<int, TimeProvider> _time;

    private InProcessSite(string id, string region, IReadOnlyList<string>[] args, int[] apiPorts, Func<int, TimeProvider> time)
    {
        Id = id;
        Region = region;
        _args = args;
        _hosts = new EdgeHost?[args.Length];
        _time = time;
        ApiUrls = [.. apiPorts.Select(p => "http://127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture))];
    }

    /// <summary>The site id.</summary>
    public string Id { get; }

    /// <summary>The home region's id.</summary>
    public string Region { get; }

    /// <summary>Nodes in the group.</summary>
    public int Count => _hosts.Length;

    /// <summary>Each node's API base URL (node i at index i; node ids are i + 1).</summary>
    public IReadOnlyList<string> ApiUrls { get; }

    /// <summary>Node <paramref name="index"/>'s host, or null while it is stopped.</summary>
    public EdgeHost? Host(int index) => _hosts[index];

    /// <summary>
    /// The flags of every node of a site: loopback API and peer ports, <c>--insecure</c> peers (one machine), the home
    /// region over NATS and/or MQTT, and the software TPM.
    /// </summary>
    public static IReadOnlyList<string>[] Arguments(string site, string region, string directory, int nodes, string? natsUrl, string? mqttUrl, out int[] apiPorts)
    {
        int[] ports = LoopbackPorts.Free(2 * nodes);
        apiPorts = ports[..nodes];
        int[] peer = ports[nodes..];
        var result = new IReadOnlyList<string>[nodes];
        string peers = string.Join(',', Enumerable.Range(0, nodes).Select(j => $"{j + 1}=127.0.0.1:{peer[j].ToString(CultureInfo.InvariantCulture)}"));
        for (int i = 0; i < nodes; i++)
        {
            var args = new List<string>
            {
                "--node-id", (i + 1).ToString(CultureInfo.InvariantCulture),
                "--site", site,
                "--data", Path.Combine(directory, "n" + (i + 1).ToString(CultureInfo.InvariantCulture)),
                "--api", "127.0.0.1:" + apiPorts[i].ToString(CultureInfo.InvariantCulture),
                "--insecure",
                "--region", region,
                "--tpm", "soft",
            };
            if (nodes > 1)
            {
                args.AddRange(["--peer-listen", "127.0.0.1:" + peer[i].ToString(CultureInfo.InvariantCulture), "--peers", peers]);
            }

            if (natsUrl is not null)
            {
                args.AddRange(["--nats", natsUrl]);
            }

            if (mqttUrl is not null)
            {
                args.AddRange(["--mqtt", mqttUrl]);
            }

            result[i] = args;
        }

        return result;
    }

    /// <summary>Starts every node of a site (all at once: each waits for its peers by itself).</summary>
    public static Task<InProcessSite> StartAsync(string site, string region, string directory, int nodes, string? natsUrl, string? mqttUrl,
        TimeProvider time, CancellationToken cancellationToken) =>
        StartAsync(site, region, directory, nodes, natsUrl, mqttUrl, _ => time, cancellationToken);

    /// <summary>Starts every node of a site, node i on the clock <paramref name="timeFor"/>(i) (the fleet skews some).</summary>
    public static async Task<InProcessSite> StartAsync(string site, string region, string directory, int nodes, string? natsUrl, string? mqttUrl,
        Func<int, TimeProvider> timeFor, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>[] args = Arguments(site, region, directory, nodes, natsUrl, mqttUrl, out int[] apiPorts);
        var result = new InProcessSite(site, region, args, apiPorts, timeFor);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, nodes).Select(i => result.StartNodeAsync(i, cancellationToken))).ConfigureAwait(false);
        }
        catch
        {
            await result.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return result;
    }

    /// <summary>Starts node <paramref name="index"/> (again) with its flags, on its data directory.</summary>
    public async Task StartNodeAsync(int index, CancellationToken cancellationToken)
    {
        if (_hosts[index] is not null)
        {
            throw new InvalidOperationException($"node {index + 1} of site {Id} is already running");
        }

        DaemonOptions? options = OptionsParser.Parse(_args[index], new Dictionary<string, string>(), File.ReadAllText, out List<string> errors);
        if (options is null)
        {
            throw new ArgumentException("grey-edge flags refused: " + string.Join("; ", errors));
        }

        Directory.CreateDirectory(options.DataDirectory);

        // Many nodes share this console: their link events would drown the summary (warnings still show).
        options = options with { LogLinkEvents = false };
        _hosts[index] = await EdgeHost.StartAsync(options, _time(index), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops node <paramref name="index"/> as SIGTERM does (API, link, node); false when it was not running.</summary>
    public async Task<bool> StopNodeAsync(int index)
    {
        EdgeHost? host = _hosts[index];
        _hosts[index] = null;
        if (host is null)
        {
            return false;
        }

        await host.DisposeAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>The index of the running node that is leader, or null.</summary>
    public int? LeaderIndex()
    {
        for (int i = 0; i < _hosts.Length; i++)
        {
            if (_hosts[i] is { Node.IsLeader: true })
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>The first failure of a running node (a WAL error, say), or null.</summary>
    public Exception? Failure => _hosts.Select(h => h?.Node.Failure).FirstOrDefault(f => f is not null);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Enumerable.Range(0, _hosts.Length).Select(StopNodeAsync)).ConfigureAwait(false);
    }
}
