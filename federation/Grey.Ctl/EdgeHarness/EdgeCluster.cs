using System.Globalization;
using System.Net;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// A site of real <c>grey-edge</c> processes on loopback, with a <see cref="FaultProxy"/> on every ordered
/// pair of peers: node i reaches node j only through proxy (i, j), which forwards to j's peer port. Every
/// node's <c>--peers</c> list therefore names itself at its real address and each other node at the
/// proxy it dials. Whichever side of a pair dials, the proxies carry the bytes both ways, so
/// <see cref="BlockOneWay"/> blocks the forward direction of (from, to) and the backward direction of (to, from).
/// </summary>
internal sealed class EdgeCluster : IAsyncDisposable
{
    /// <summary>The most nodes a cluster may have (proxies grow with the square).</summary>
    public const int MaxNodes = 7;

    /// <summary>How long one health probe may take.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Pause between health probes while waiting.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(100);

    private readonly ManagedProcess[] _nodes;
    private readonly FaultProxy?[,] _proxies;
    private readonly HttpClient _probe;
    private readonly TimeProvider _time;

    private EdgeCluster(string directory, ManagedProcess[] nodes, FaultProxy?[,] proxies, int[] apiPorts, TimeProvider time)
    {
        Directory = directory;
        _nodes = nodes;
        _proxies = proxies;
        ApiEndpoints = apiPorts.Select(p => new Uri($"http://127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}/")).ToArray();
        _time = time;
        _probe = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(5) }) { Timeout = ProbeTimeout };
    }

    /// <summary>The working directory: one data directory and one log per node.</summary>
    public string Directory { get; }

    /// <summary>Number of nodes.</summary>
    public int Count => _nodes.Length;

    /// <summary>The HTTP API base address of each node.</summary>
    public IReadOnlyList<Uri> ApiEndpoints { get; }

    /// <summary>The supervised process of node <paramref name="index"/>.</summary>
    public ManagedProcess Node(int index) => _nodes[index];

    /// <summary>The proxy node <paramref name="from"/> dials to reach node <paramref name="to"/>.</summary>
    public FaultProxy Proxy(int from, int to) => _proxies[from, to] ?? throw new InvalidOperationException("no proxy between these nodes (the same node, or a cluster started without proxies)");

    /// <summary>
    /// Creates the proxies (unless <paramref name="withProxies"/> is false: a benchmark wants the direct path)
    /// and starts every node, not waiting for health.
    /// </summary>
    public static EdgeCluster Start(EdgeCommandLine edge, int nodes, string directory, TimeProvider time, string site = "torture", bool withProxies = true, IReadOnlyList<string>? extraArguments = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodes, MaxNodes);
        System.IO.Directory.CreateDirectory(directory);
        int[] ports = LoopbackPorts.Free(2 * nodes);
        int[] api = ports[..nodes];
        int[] peer = ports[nodes..];
        var proxies = new FaultProxy?[nodes, nodes];
        var processes = new ManagedProcess[nodes];
        for (int i = 0; i < nodes; i++)
        {
            for (int j = 0; j < nodes; j++)
            {
                if (i != j && withProxies)
                {
                    proxies[i, j] = FaultProxy.Start(new IPEndPoint(IPAddress.Loopback, peer[j]));
                }
            }
        }

        for (int i = 0; i < nodes; i++)
        {
            string id = NodeId(i);
            string data = Path.Combine(directory, NodeName(i));
            System.IO.Directory.CreateDirectory(data);
            var args = new List<string>(edge.LeadingArguments)
            {
                "--node-id", id,
                "--site", site,
                "--data", data,
                "--api", $"127.0.0.1:{api[i].ToString(CultureInfo.InvariantCulture)}",
                "--insecure",
            };
            args.AddRange(extraArguments ?? []);
            if (nodes > 1)
            {
                var peers = new List<string>();
                for (int j = 0; j < nodes; j++)
                {
                    int port = proxies[i, j] is FaultProxy proxy ? proxy.LocalEndPoint.Port : peer[j];
                    peers.Add($"{NodeId(j)}=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
                }

                args.Add("--peer-listen");
                args.Add($"127.0.0.1:{peer[i].ToString(CultureInfo.InvariantCulture)}");
                args.Add("--peers");
                args.Add(string.Join(',', peers));
            }

            processes[i] = new ManagedProcess(NodeName(i), edge.FileName, args, Path.Combine(directory, NodeName(i) + ".log"));
        }

        var cluster = new EdgeCluster(directory, processes, proxies, api, time);
        foreach (ManagedProcess process in processes)
        {
            process.Start();
        }

        return cluster;
    }

    /// <summary>The id of node <paramref name="index"/>: 1, 2, ... (grey-edge node ids are positive integers, as in etcd/raft).</summary>
    public static string NodeId(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>The name of node <paramref name="index"/> in messages and file names: n1, n2, ...</summary>
    public static string NodeName(int index) => "n" + NodeId(index);

    /// <summary>Kills node <paramref name="index"/> with SIGKILL.</summary>
    public Task KillAsync(int index, CancellationToken cancellationToken = default) => _nodes[index].KillAsync(cancellationToken);

    /// <summary>Starts node <paramref name="index"/> again (same data directory) if it is not running.</summary>
    public void Restart(int index)
    {
        if (!_nodes[index].IsRunning)
        {
            _nodes[index].Start();
        }
    }

    /// <summary>Cuts every link of node <paramref name="index"/> in both directions.</summary>
    public void Isolate(int index)
    {
        for (int j = 0; j < Count; j++)
        {
            if (j != index)
            {
                BlockOneWay(index, j);
                BlockOneWay(j, index);
            }
        }
    }

    /// <summary>Drops every byte node <paramref name="from"/> sends to node <paramref name="to"/>; the other way still works.</summary>
    public void BlockOneWay(int from, int to)
    {
        Proxy(from, to).Block(LinkDirection.Forward);
        Proxy(to, from).Block(LinkDirection.Backward);
    }

    /// <summary>Heals every link.</summary>
    public void HealAll()
    {
        foreach (FaultProxy? proxy in _proxies)
        {
            proxy?.Heal();
        }
    }

    /// <summary>True when node <paramref name="index"/> answers <c>GET /healthz</c> with 200.</summary>
    public async Task<bool> IsHealthyAsync(int index, CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage response = await _probe.GetAsync(new Uri(ApiEndpoints[index], "healthz"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits until every running node answers healthy, or <paramref name="timeout"/> passes. Returns the
    /// indexes still unhealthy (empty on success); a node that exited by itself is reported at once.
    /// </summary>
    public async Task<IReadOnlyList<int>> WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        long start = _time.GetTimestamp();
        var pending = Enumerable.Range(0, Count).ToList();
        while (true)
        {
            var still = new List<int>();
            foreach (int i in pending)
            {
                if (!_nodes[i].IsRunning || !await IsHealthyAsync(i, cancellationToken).ConfigureAwait(false))
                {
                    still.Add(i);
                }
            }

            pending = still;
            if (pending.Count == 0 || _time.GetElapsedTime(start) >= timeout || pending.Any(i => !_nodes[i].IsRunning))
            {
                return pending;
            }

            await Task.Delay(ProbeInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (ManagedProcess node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        foreach (FaultProxy? proxy in _proxies)
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }
        }

        _probe.Dispose();
    }
}
