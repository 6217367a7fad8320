using System.Globalization;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// Runs <c>greyctl bench edge</c>: the client's own ceiling against a trivial HTTP endpoint, then a real
/// grey-edge group (no fault proxies: the direct path) with the configured clients and with one sequential
/// client, then, with <c>--vs-etcd</c>, a real etcd group through its gRPC API the same way. Client i
/// sends to node i mod n in both systems (each forwards to its leader), each client overwriting its own key.
/// The grey-edge clients speak HTTP/2 (one connection per node carries them all, as one gRPC channel per etcd
/// member carries etcd's); each grey-edge phase runs again over HTTP/1.1 (a connection per client), reported
/// beside the headline numbers.
/// </summary>
internal sealed class BenchRunner
{
    /// <summary>How long a group may take to become healthy.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long one write may take before it counts as an error.</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    private readonly EdgeCommandLine _edge;
    private readonly string? _etcdBinary;
    private readonly BenchOptions _options;
    private readonly TimeProvider _time;
    private readonly TextWriter _progress;
    private readonly byte[] _value;

    public BenchRunner(EdgeCommandLine edge, string? etcdBinary, BenchOptions options, TimeProvider time, TextWriter progress)
    {
        _edge = edge;
        _etcdBinary = etcdBinary;
        _options = options;
        _time = time;
        _progress = progress;
        _value = new byte[options.ValueSize];
        new Random(42).NextBytes(_value);
    }

    /// <summary>Runs every phase; a phase that cannot start throws <see cref="BenchFailedException"/>.</summary>
    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        LoadResult ceiling = await RunCeilingAsync(cancellationToken).ConfigureAwait(false);
        GreyPhases grey = await RunGreyAsync(cancellationToken).ConfigureAwait(false);
        LoadResult? etcd = null;
        LoadResult? etcdSingle = null;
        if (_options.VsEtcd)
        {
            (etcd, etcdSingle) = await RunEtcdAsync(cancellationToken).ConfigureAwait(false);
        }

        return new BenchReport(_options, ceiling, grey.Many, grey.Single, etcd, etcdSingle) { GreyManyHttp1 = grey.ManyHttp1, GreySingleHttp1 = grey.SingleHttp1 };
    }

    private async Task<LoadResult> RunCeilingAsync(CancellationToken cancellationToken)
    {
        await using TrivialHttpServer server = await TrivialHttpServer.StartAsync().ConfigureAwait(false);
        using var client = new EdgeKvClient(_time, BenchOptions.MaxClients, EdgeHttp.Http2);
        TimeSpan duration = _options.Duration < BenchOptions.MaxCeilingDuration ? _options.Duration : BenchOptions.MaxCeilingDuration;
        LoadResult result = await WriteLoad.RunAsync(
            _options.Clients,
            TimeSpan.FromMilliseconds(500),
            duration,
            async (c, _, ct) => (await client.PutAsync(server.BaseAddress, "bench/c" + c.ToString(CultureInfo.InvariantCulture), _value, null, WriteTimeout, ct).ConfigureAwait(false)).Status == KvCallStatus.Ok,
            _time,
            cancellationToken).ConfigureAwait(false);
        Report("client ceiling (trivial HTTP/2 endpoint)", result);
        return result;
    }

    private async Task<GreyPhases> RunGreyAsync(CancellationToken cancellationToken)
    {
        string directory = Path.Combine(Path.GetTempPath(), "grey-bench-" + Guid.NewGuid().ToString("N")[..12]);
        EdgeCluster cluster = EdgeCluster.Start(_edge, _options.Nodes, directory, _time, site: "bench", withProxies: false);
        try
        {
            IReadOnlyList<int> sick = await cluster.WaitHealthyAsync(StartTimeout, cancellationToken).ConfigureAwait(false);
            if (sick.Count > 0)
            {
                throw new BenchFailedException($"grey-edge did not become healthy: {string.Join(", ", sick.Select(i => cluster.Node(i).Name + " (log " + cluster.Node(i).LogPath + ")"))}");
            }

            using var http1 = new EdgeKvClient(_time, BenchOptions.MaxClients, EdgeHttp.Http1);
            using var http2 = new EdgeKvClient(_time, BenchOptions.MaxClients, EdgeHttp.Http2);
            WriteLoad.CpuSampler cpu = () => ProcessCpu.Total(Enumerable.Range(0, cluster.Count).Select(cluster.Node));
            async Task<LoadResult> RunAsync(EdgeKvClient client, int clients, string what)
            {
                WriteLoad.Write write = async (c, _, ct) =>
                {
                    Uri node = cluster.ApiEndpoints[c % cluster.Count];
                    KvCallResult r = await client.PutAsync(node, "bench/c" + c.ToString(CultureInfo.InvariantCulture), _value, null, WriteTimeout, ct).ConfigureAwait(false);
                    return r.Status == KvCallStatus.Ok;
                };
                LoadResult result = await WriteLoad.RunAsync(clients, _options.WarmUp, _options.Duration, write, _time, cancellationToken, cpu).ConfigureAwait(false);
                Report(what, result);
                return result;
            }

            LoadResult many = await RunAsync(http2, _options.Clients, $"grey-edge, {_options.Clients} clients (HTTP/2)").ConfigureAwait(false);
            LoadResult single = await RunAsync(http2, 1, "grey-edge, 1 client (HTTP/2)").ConfigureAwait(false);
            LoadResult manyHttp1 = await RunAsync(http1, _options.Clients, $"grey-edge, {_options.Clients} clients (HTTP/1.1, for comparison)").ConfigureAwait(false);
            LoadResult singleHttp1 = await RunAsync(http1, 1, "grey-edge, 1 client (HTTP/1.1, for comparison)").ConfigureAwait(false);
            return new GreyPhases(many, single, manyHttp1, singleHttp1);
        }
        finally
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            TryDelete(directory);
        }
    }

    private async Task<(LoadResult Many, LoadResult Single)> RunEtcdAsync(CancellationToken cancellationToken)
    {
        string directory = Path.Combine(Path.GetTempPath(), "grey-bench-etcd-" + Guid.NewGuid().ToString("N")[..12]);
        EtcdCluster cluster = EtcdCluster.Start(_etcdBinary ?? throw new InvalidOperationException("no etcd binary"), _options.Nodes, directory, _time);
        var channels = new List<GrpcChannel>();
        try
        {
            if (!await cluster.WaitHealthyAsync(StartTimeout, cancellationToken).ConfigureAwait(false))
            {
                throw new BenchFailedException($"etcd did not become healthy (logs in {directory})");
            }

            // One gRPC channel (one HTTP/2 connection) per member, as etcd's own clients multiplex requests.
            var clients = new List<EtcdClient>();
            foreach (Uri endpoint in cluster.ClientEndpoints)
            {
                var channel = GrpcChannel.ForAddress(endpoint);
                channels.Add(channel);
                clients.Add(new EtcdClient(channel.CreateCallInvoker()));
            }

            ByteString value = ByteString.CopyFrom(_value);
            WriteLoad.Write write = async (c, _, ct) =>
            {
                var request = new PutRequest { Key = ByteString.CopyFromUtf8("bench/c" + c.ToString(CultureInfo.InvariantCulture)), Value = value };
                await clients[c % clients.Count].PutAsync(request, null, _time.GetUtcNow().UtcDateTime + WriteTimeout, ct).ConfigureAwait(false);
                return true;
            };
            WriteLoad.CpuSampler cpu = () => ProcessCpu.Total(Enumerable.Range(0, _options.Nodes).Select(cluster.Member));
            LoadResult many = await WriteLoad.RunAsync(_options.Clients, _options.WarmUp, _options.Duration, write, _time, cancellationToken, cpu).ConfigureAwait(false);
            Report($"etcd, {_options.Clients} clients", many);
            LoadResult single = await WriteLoad.RunAsync(1, _options.WarmUp, _options.Duration, write, _time, cancellationToken, cpu).ConfigureAwait(false);
            Report("etcd, 1 client", single);
            return (many, single);
        }
        finally
        {
            foreach (GrpcChannel channel in channels)
            {
                channel.Dispose();
            }

            await cluster.DisposeAsync().ConfigureAwait(false);
            TryDelete(directory);
        }
    }

    private sealed record GreyPhases(LoadResult Many, LoadResult Single, LoadResult ManyHttp1, LoadResult SingleHttp1);

    private void Report(string what, LoadResult r)
    {
        _progress.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"bench edge: {what}: {r.WritesPerSecond:F0} writes/s, p50 {r.Latency.P50Ms:F2} ms, p99 {r.Latency.P99Ms:F2} ms, {r.Errors} errors{(r.FirstError is null ? "" : " (first: " + r.FirstError + ")")}, client CPU {r.ClientCores:F2} cores over {r.Wall.TotalSeconds:F1} s{(r.ServerCpu > TimeSpan.Zero ? $", server CPU {r.ServerCores:F2} cores = {r.ServerCpuMicrosPerWrite:F0} us per write" : "")}"));
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
