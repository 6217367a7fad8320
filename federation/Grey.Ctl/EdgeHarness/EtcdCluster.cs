using System.Globalization;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// A group of real etcd members on loopback (free ports, a temporary data directory each), started like
/// etcd's own three-member local cluster: every member lists all of them in <c>--initial-cluster</c>.
/// </summary>
internal sealed class EtcdCluster : IAsyncDisposable
{
    /// <summary>How long one health probe may take.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    private readonly ManagedProcess[] _members;
    private readonly HttpClient _probe;
    private readonly TimeProvider _time;

    private EtcdCluster(string directory, ManagedProcess[] members, int[] clientPorts, TimeProvider time)
    {
        Directory = directory;
        _members = members;
        ClientEndpoints = clientPorts.Select(p => new Uri($"http://127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}")).ToArray();
        _time = time;
        _probe = new HttpClient { Timeout = ProbeTimeout };
    }

    public string Directory { get; }

    /// <summary>The client URL (gRPC and HTTP) of each member.</summary>
    public IReadOnlyList<Uri> ClientEndpoints { get; }

    public ManagedProcess Member(int index) => _members[index];

    public static EtcdCluster Start(string etcdBinary, int members, string directory, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(members, EdgeCluster.MaxNodes);
        System.IO.Directory.CreateDirectory(directory);
        int[] ports = LoopbackPorts.Free(2 * members);
        int[] client = ports[..members];
        int[] peer = ports[members..];
        string initial = string.Join(',', Enumerable.Range(0, members).Select(i => $"{Name(i)}=http://127.0.0.1:{peer[i].ToString(CultureInfo.InvariantCulture)}"));
        var processes = new ManagedProcess[members];
        for (int i = 0; i < members; i++)
        {
            string c = $"http://127.0.0.1:{client[i].ToString(CultureInfo.InvariantCulture)}";
            string p = $"http://127.0.0.1:{peer[i].ToString(CultureInfo.InvariantCulture)}";
            string data = Path.Combine(directory, Name(i));
            processes[i] = new ManagedProcess(Name(i), etcdBinary,
            [
                "--name", Name(i),
                "--data-dir", data,
                "--listen-client-urls", c,
                "--advertise-client-urls", c,
                "--listen-peer-urls", p,
                "--initial-advertise-peer-urls", p,
                "--initial-cluster", initial,
                "--initial-cluster-token", "grey-bench",
                "--initial-cluster-state", "new",
                "--log-level", "warn",
            ], Path.Combine(directory, Name(i) + ".log"));
        }

        var cluster = new EtcdCluster(directory, processes, client, time);
        foreach (ManagedProcess process in processes)
        {
            process.Start();
        }

        return cluster;
    }

    public static string Name(int index) => "e" + (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>Waits until every member reports <c>/health</c> true; returns false when <paramref name="timeout"/> passes first.</summary>
    public async Task<bool> WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        long start = _time.GetTimestamp();
        while (_time.GetElapsedTime(start) < timeout)
        {
            bool all = true;
            foreach (Uri endpoint in ClientEndpoints)
            {
                try
                {
                    string body = await _probe.GetStringAsync(new Uri(endpoint, "/health"), cancellationToken).ConfigureAwait(false);
                    all &= body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    all = false;
                }
            }

            if (all)
            {
                return true;
            }

            if (_members.Any(m => !m.IsRunning))
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (ManagedProcess member in _members)
        {
            await member.DisposeAsync().ConfigureAwait(false);
        }

        _probe.Dispose();
    }
}
