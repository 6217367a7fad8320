using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grey.Ctl.Brokers;
using Grey.Ctl.EdgeHarness;

namespace Grey.Integration.Tests.Support;

/// <summary>
/// A whole federation from real processes on loopback, as a new user starts it from the README: one
/// <c>nats-server -js</c>, one <c>grey-region --dev</c>, and a site of <c>grey-edge</c> processes with
/// <c>--region</c> and <c>--nats</c>. Every piece can be killed and restarted.
/// </summary>
internal sealed class FederationHarness : IAsyncDisposable
{
    public const string RegionId = "r1";
    public const string AdminToken = "integration-admin-token";
    public static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ManagedProcess _region;

    private FederationHarness(string directory, NatsServer nats, ManagedProcess region, Uri regionApi, EdgeCluster site, string siteId)
    {
        Directory = directory;
        Nats = nats;
        _region = region;
        RegionApi = regionApi;
        Site = site;
        SiteId = siteId;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public string Directory { get; }

    public NatsServer Nats { get; }

    public Uri RegionApi { get; }

    public EdgeCluster Site { get; }

    public string SiteId { get; }

    public ManagedProcess Region => _region;

    public static async Task<FederationHarness> StartAsync(string siteId = "plant-7", int nodes = 3)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("grey-fed-").FullName;
        (NatsServer? nats, string error) = await NatsServer.StartAsync(Path.Combine(dir, "nats"));
        if (nats is null)
        {
            throw new InvalidOperationException(error);
        }

        int regionPort = LoopbackPorts.Free();
        (string regionFile, IReadOnlyList<string> regionLead) = DaemonBinary.Locate("grey-region");
        var regionArgs = new List<string>(regionLead)
        {
            "--region", RegionId,
            "--data", Path.Combine(dir, "region"),
            "--api", "127.0.0.1:" + regionPort.ToString(CultureInfo.InvariantCulture),
            "--nats", nats.Url,
            "--dev",
            "--admin-token", AdminToken,
        };
        var region = new ManagedProcess("grey-region", regionFile, regionArgs, Path.Combine(dir, "region.log"));
        region.Start();

        (string edgeFile, IReadOnlyList<string> edgeLead) = DaemonBinary.Locate("grey-edge");
        EdgeCluster site = EdgeCluster.Start(new EdgeCommandLine(edgeFile, edgeLead), nodes, Path.Combine(dir, "site"), TimeProvider.System,
            siteId, withProxies: false, extraArguments: ["--region", RegionId, "--nats", nats.Url]);
        var harness = new FederationHarness(dir, nats, region, new Uri($"http://127.0.0.1:{regionPort}/"), site, siteId);
        await harness.WaitRegionHealthyAsync();
        IReadOnlyList<int> unhealthy = await site.WaitHealthyAsync(HealthTimeout, CancellationToken.None);
        if (unhealthy.Count > 0)
        {
            string tails = string.Join("\n", unhealthy.Select(i => site.Node(i).Tail()));
            await harness.DisposeAsync();
            throw new InvalidOperationException($"site nodes {string.Join(',', unhealthy)} not healthy:\n{tails}");
        }

        return harness;
    }

    public async Task WaitRegionHealthyAsync()
    {
        long start = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(start) < HealthTimeout)
        {
            if (!_region.IsRunning)
            {
                throw new InvalidOperationException("grey-region exited:\n" + _region.Tail(40));
            }

            try
            {
                using HttpResponseMessage r = await _http.GetAsync(new Uri(RegionApi, "healthz"));
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer while starting.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("grey-region not healthy:\n" + _region.Tail(40));
    }

    /// <summary>The region's view of the site (<c>GET /v1/sites/{site}</c>), or null when it does not know it yet.</summary>
    public async Task<JsonElement?> SiteStatusAsync()
    {
        using HttpResponseMessage r = await _http.GetAsync(new Uri(RegionApi, $"v1/sites/{SiteId}"));
        if (r.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        r.EnsureSuccessStatusCode();
        using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    /// <summary>The merged value of a site key at the region (<c>GET /v1/sites/{site}/state/{key}</c>), or null when absent.</summary>
    public async Task<byte[]?> RegionValueAsync(string key)
    {
        using HttpResponseMessage r = await _http.GetAsync(new Uri(RegionApi, $"v1/sites/{SiteId}/state/{key}"));
        if (r.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        r.EnsureSuccessStatusCode();
        return await r.Content.ReadAsByteArrayAsync();
    }

    /// <summary>Writes through the site's node <paramref name="node"/>; true when the site acknowledged it.</summary>
    public async Task<bool> PutAsync(int node, string key, string value)
    {
        try
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(value));
            using HttpResponseMessage r = await _http.PutAsync(new Uri(Site.ApiEndpoints[node], "v1/kv/" + key), content);
            return r.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Adds to a counter through node <paramref name="node"/>; true when acknowledged.</summary>
    public async Task<bool> AddAsync(int node, string key, long amount)
    {
        try
        {
            using var content = new StringContent(amount.ToString(CultureInfo.InvariantCulture));
            using HttpResponseMessage r = await _http.PostAsync(new Uri(Site.ApiEndpoints[node], "v1/counters/" + key), content);
            return r.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The site's counter value read linearizably on node <paramref name="node"/>.</summary>
    public async Task<long> SiteCounterAsync(int node, string key)
    {
        using HttpResponseMessage r = await _http.GetAsync(new Uri(Site.ApiEndpoints[node], "v1/counters/" + key));
        r.EnsureSuccessStatusCode();
        using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("value").GetInt64();
    }

    /// <summary>
    /// The merged value of a counter at the region: the state endpoint answers a counter as its decimal text.
    /// Absent counts as 0.
    /// </summary>
    public async Task<long> RegionCounterAsync(string key)
    {
        byte[]? raw = await RegionValueAsync(key);
        return raw is null ? 0 : long.Parse(Encoding.UTF8.GetString(raw).Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>The index of the node that reports itself leader, or null.</summary>
    public async Task<int?> LeaderIndexAsync()
    {
        for (int i = 0; i < Site.Count; i++)
        {
            if (!Site.Node(i).IsRunning)
            {
                continue;
            }

            try
            {
                using HttpResponseMessage r = await _http.GetAsync(new Uri(Site.ApiEndpoints[i], "v1/status"));
                using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
                if (doc.RootElement.GetProperty("role").GetString() is string role && role.Equals("leader", StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                // That node is down or busy; ask the next.
            }
        }

        return null;
    }

    /// <summary>Revokes an enrolled node at the region (<c>POST /v1/nodes/{node}/revoke</c>, admin token); true on 2xx.</summary>
    public async Task<bool> RevokeAsync(string node)
    {
        using HttpResponseMessage r = await _http.PostAsync(new Uri(RegionApi, $"v1/nodes/{node}/revoke"), null);
        return r.IsSuccessStatusCode;
    }

    /// <summary>The voters node <paramref name="node"/> reports in <c>GET /v1/status</c>.</summary>
    public async Task<IReadOnlyList<ulong>> VotersAsync(int node)
    {
        using HttpResponseMessage r = await _http.GetAsync(new Uri(Site.ApiEndpoints[node], "v1/status"));
        using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("voters").EnumerateArray().Select(v => v.GetUInt64()).ToList();
    }

    /// <summary>Polls until <paramref name="done"/> holds or <paramref name="timeout"/> passes; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> done, TimeSpan timeout)
    {
        long start = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(start) < timeout)
        {
            if (await done())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return await done();
    }

    public string Logs() =>
        "--- region\n" + _region.Tail(30) + "\n" +
        string.Join("\n", Enumerable.Range(0, Site.Count).Select(i => $"--- n{i + 1}\n" + Site.Node(i).Tail(30)));

    public async ValueTask DisposeAsync()
    {
        await Site.DisposeAsync();
        await _region.DisposeAsync();
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
