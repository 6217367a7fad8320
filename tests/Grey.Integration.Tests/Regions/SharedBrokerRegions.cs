using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grey.Ctl.Brokers;
using Grey.Ctl.EdgeHarness;
using Grey.Integration.Tests.Support;

namespace Grey.Integration.Tests.Regions;

/// <summary>
/// Several regions on one broker, from real processes on loopback: one <c>nats-server -js</c>, one
/// <c>grey-region --dev</c> per region id (no peering: each keeps its own sites), and one-node sites of
/// <c>grey-edge</c> homed at any of them with <c>--region --nats</c>. Everything is stopped and deleted on dispose.
/// </summary>
internal sealed class SharedBrokerRegions : IAsyncDisposable
{
    public const string AdminToken = "integration-admin-token";
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<ManagedProcess> _regions = [];
    private readonly List<EdgeCluster> _sites = [];

    private SharedBrokerRegions(string directory, NatsServer nats)
    {
        Directory = directory;
        Nats = nats;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public string Directory { get; }

    public NatsServer Nats { get; }

    public static async Task<SharedBrokerRegions> StartAsync()
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("grey-regions-").FullName;
        (NatsServer? nats, string error) = await NatsServer.StartAsync(Path.Combine(dir, "nats"));
        return nats is null ? throw new InvalidOperationException(error) : new SharedBrokerRegions(dir, nats);
    }

    /// <summary>Starts <c>grey-region --dev --region <paramref name="region"/></c> on the shared broker and waits until healthy.</summary>
    public async Task<Uri> StartRegionAsync(string region)
    {
        int port = LoopbackPorts.Free();
        (string file, IReadOnlyList<string> lead) = DaemonBinary.Locate("grey-region");
        var args = new List<string>(lead)
        {
            "--region", region,
            "--data", Path.Combine(Directory, region),
            "--api", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--nats", Nats.Url,
            "--dev",
            "--admin-token", AdminToken,
        };
        var process = new ManagedProcess(region, file, args, Path.Combine(Directory, region + ".log"));
        _regions.Add(process);
        process.Start();
        var api = new Uri($"http://127.0.0.1:{port}/");
        bool healthy = await EventuallyAsync(async () =>
        {
            if (!process.IsRunning)
            {
                throw new InvalidOperationException($"{region} exited:\n{process.Tail(40)}");
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
        return healthy ? api : throw new TimeoutException($"{region} not healthy:\n{process.Tail(40)}");
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

    /// <summary>A site's status JSON at a region, or null when the region does not know it.</summary>
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

    public string Logs() =>
        string.Join("\n", _regions.Select(r => $"--- {r.Name}\n{r.Tail(20)}").Concat(_sites.Select(s => $"--- {s.Node(0).Name}\n{s.Node(0).Tail(20)}")));

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
