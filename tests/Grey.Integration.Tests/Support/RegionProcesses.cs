using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grey.Ctl.Brokers;
using Grey.Ctl.EdgeHarness;

namespace Grey.Integration.Tests.Support;

/// <summary>
/// Real processes on loopback for the quota, shard and shared-broker tests: one <c>nats-server -js</c>, any number of
/// <c>grey-region --dev</c> processes (shards of one region with extra flags such as <c>--quota-deltas-per-s</c> or
/// <c>--shard</c>, or regions of their own sharing the broker), and one-node sites of <c>grey-edge</c> with
/// <c>--region --nats</c>. Everything is stopped and deleted on dispose.
/// </summary>
internal sealed class RegionProcesses : IAsyncDisposable
{
    public const string RegionId = "r1";
    public const string AdminToken = "integration-admin-token";
    private static readonly TimeSpan HealthTimeout = FederationHarness.HealthTimeout;

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<ManagedProcess> _regions = [];
    private readonly List<EdgeCluster> _sites = [];

    private RegionProcesses(string directory, NatsServer nats)
    {
        Directory = directory;
        Nats = nats;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public string Directory { get; }

    public NatsServer Nats { get; }

    public static async Task<RegionProcesses> StartAsync()
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("grey-regions-").FullName;
        (NatsServer? nats, string error) = await NatsServer.StartAsync(Path.Combine(dir, "nats"));
        return nats is null ? throw new InvalidOperationException(error) : new RegionProcesses(dir, nats);
    }

    /// <summary>Starts a <c>grey-region --dev</c> of region <see cref="RegionId"/> named <paramref name="name"/> (its own data folder and API port) and waits until healthy.</summary>
    public Task<Uri> StartRegionAsync(string name, params string[] extra) => StartRegionAsync(name, RegionId, extra);

    /// <summary>Starts <c>grey-region --dev --region <paramref name="region"/></c> on the shared broker (named after it) and waits until healthy.</summary>
    public Task<Uri> StartOwnRegionAsync(string region) => StartRegionAsync(region, region, []);

    private async Task<Uri> StartRegionAsync(string name, string regionId, string[] extra)
    {
        int port = LoopbackPorts.Free();
        (string file, IReadOnlyList<string> lead) = DaemonBinary.Locate("grey-region");
        var args = new List<string>(lead)
        {
            "--region", regionId,
            "--data", Path.Combine(Directory, name),
            "--api", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--nats", Nats.Url,
            "--dev",
            "--admin-token", AdminToken,
        };
        args.AddRange(extra);
        var region = new ManagedProcess(name, file, args, Path.Combine(Directory, name + ".log"));
        _regions.Add(region);
        region.Start();
        var api = new Uri($"http://127.0.0.1:{port}/");
        bool healthy = await EventuallyAsync(async () =>
        {
            if (!region.IsRunning)
            {
                throw new InvalidOperationException($"{name} exited:\n{region.Tail(40)}");
            }

            try
            {
                using HttpResponseMessage r = await _http.GetAsync(new Uri(api, "healthz"));
                return r.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, HealthTimeout);
        return healthy ? api : throw new TimeoutException($"{name} not healthy:\n{region.Tail(40)}");
    }

    /// <summary>Starts a one-node site homed at <paramref name="region"/> (not waiting for it).</summary>
    public EdgeCluster StartSite(string site, string region)
    {
        (string file, IReadOnlyList<string> lead) = DaemonBinary.Locate("grey-edge");
        EdgeCluster cluster = EdgeCluster.Start(new EdgeCommandLine(file, lead), 1, Path.Combine(Directory, site), TimeProvider.System, site,
            withProxies: false, extraArguments: ["--region", region, "--nats", Nats.Url]);
        _sites.Add(cluster);
        return cluster;
    }

    /// <summary>Starts one-node sites (in parallel) and waits until each is healthy; returns their API endpoints.</summary>
    public async Task<IReadOnlyList<Uri>> StartSitesAsync(params string[] sites)
    {
        var started = sites.Select(site => StartSite(site, RegionId)).ToList();

        foreach (EdgeCluster cluster in started)
        {
            IReadOnlyList<int> unhealthy = await cluster.WaitHealthyAsync(HealthTimeout, CancellationToken.None);
            if (unhealthy.Count > 0)
            {
                throw new InvalidOperationException($"site not healthy:\n{cluster.Node(0).Tail(40)}");
            }
        }

        return [.. started.Select(c => c.ApiEndpoints[0])];
    }

    /// <summary>PUTs a key on a site node until it is acknowledged (bounded); false when it never was.</summary>
    public async Task<bool> PutAsync(Uri node, string key, string value)
    {
        for (int attempt = 0; attempt < 40; attempt++)
        {
            try
            {
                using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(value));
                using HttpResponseMessage r = await _http.PutAsync(new Uri(node, "v1/kv/" + key), content);
                if (r.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Busy or electing: try again.
            }

            await Task.Delay(250);
        }

        return false;
    }

    /// <summary>GET on a region's API: the status code and the body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri region, string path)
    {
        using HttpResponseMessage r = await _http.GetAsync(new Uri(region, path));
        return (r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    /// <summary>A site's status JSON at a region, or null when the region does not know it (404/421).</summary>
    public async Task<JsonElement?> SiteAsync(Uri region, string site)
    {
        (HttpStatusCode status, string body) = await GetAsync(region, "v1/sites/" + site);
        if (status != HttpStatusCode.OK)
        {
            return null;
        }

        using JsonDocument doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    /// <summary>How many of the keys hold their expected value at the region.</summary>
    public async Task<int> MergedCountAsync(Uri region, string site, IReadOnlyDictionary<string, string> expected)
    {
        int merged = 0;
        foreach ((string key, string value) in expected)
        {
            (HttpStatusCode status, string body) = await GetAsync(region, $"v1/sites/{site}/state/{key}");
            if (status == HttpStatusCode.OK && body == value)
            {
                merged++;
            }
        }

        return merged;
    }

    /// <summary>One sample of a Prometheus series at a region (<c>name</c> or <c>name{labels}</c>), or null when absent.</summary>
    public async Task<double?> MetricAsync(Uri region, string series)
    {
        (_, string text) = await GetAsync(region, "metrics");
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    public string Logs() =>
        string.Join("\n", _regions.Select(r => $"--- {r.Name}\n{r.Tail(20)}").Concat(_sites.Select(s => $"--- {s.Node(0).Name} {s.Directory}\n{s.Node(0).Tail(20)}")));

    public static async Task<bool> EventuallyAsync(Func<Task<bool>> done, TimeSpan timeout)
    {
        long start = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(start) < timeout)
        {
            if (await done())
            {
                return true;
            }

            await Task.Delay(250);
        }

        return await done();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (EdgeCluster site in _sites)
        {
            await site.DisposeAsync();
        }

        foreach (ManagedProcess region in _regions)
        {
            await region.DisposeAsync();
        }

        await Nats.DisposeAsync();
        _http.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A child may still hold a file for a moment; the temp folder is cleaned by the OS eventually.
        }
    }
}
