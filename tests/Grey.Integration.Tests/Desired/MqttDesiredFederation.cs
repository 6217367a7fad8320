using System.Globalization;
using System.Net.Http.Headers;
using Grey.Ctl.Brokers;
using Grey.Ctl.EdgeHarness;
using Grey.Integration.Tests.Support;

namespace Grey.Integration.Tests.Desired;

/// <summary>
/// The MQTT-only federation of the desired-state tests, as the "Done means" starts it by hand: mosquitto
/// (<see cref="MosquittoServer"/>, persistence on), <c>grey-region --dev --mqtt URL</c> and three
/// <c>grey-edge --region r1 --mqtt URL</c> (an <see cref="EdgeCluster"/>: every node has the same arguments).
/// </summary>
internal sealed class MqttDesiredFederation : IAsyncDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private MqttDesiredFederation(string directory, MosquittoServer mosquitto, ManagedProcess region, Uri regionApi, EdgeCluster site, string siteId)
    {
        Directory = directory;
        Mosquitto = mosquitto;
        Region = region;
        RegionApi = regionApi;
        Site = site;
        SiteId = siteId;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FederationHarness.AdminToken);
    }

    public string Directory { get; }

    public MosquittoServer Mosquitto { get; }

    public ManagedProcess Region { get; }

    public Uri RegionApi { get; }

    public EdgeCluster Site { get; }

    public string SiteId { get; }

    public static async Task<MqttDesiredFederation> StartAsync(string siteId)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("grey-desired-mqtt-").FullName;
        (MosquittoServer? mosquitto, string error) = await MosquittoServer.StartAsync(Path.Combine(dir, "mosquitto"));
        if (mosquitto is null)
        {
            throw new InvalidOperationException(error);
        }

        int regionPort = LoopbackPorts.Free();
        (string regionFile, IReadOnlyList<string> regionLead) = DaemonBinary.Locate("grey-region");
        var region = new ManagedProcess(
            "grey-region",
            regionFile,
            [.. regionLead, "--region", FederationHarness.RegionId, "--data", Path.Combine(dir, "region"), "--api", "127.0.0.1:" + regionPort.ToString(CultureInfo.InvariantCulture),
                "--mqtt", mosquitto.Url, "--dev", "--admin-token", FederationHarness.AdminToken],
            Path.Combine(dir, "region.log"));
        region.Start();
        (string edgeFile, IReadOnlyList<string> edgeLead) = DaemonBinary.Locate("grey-edge");
        EdgeCluster site = EdgeCluster.Start(new EdgeCommandLine(edgeFile, edgeLead), 3, Path.Combine(dir, "site"), TimeProvider.System,
            siteId, withProxies: false, extraArguments: ["--region", FederationHarness.RegionId, "--mqtt", mosquitto.Url]);
        var fed = new MqttDesiredFederation(dir, mosquitto, region, new Uri($"http://127.0.0.1:{regionPort}/"), site, siteId);
        try
        {
            Assert.True(await FederationHarness.EventuallyAsync(async () => await fed.RegionHealthyAsync(), FederationHarness.HealthTimeout), "grey-region not healthy:\n" + region.Tail(40));
            IReadOnlyList<int> unhealthy = await site.WaitHealthyAsync(FederationHarness.HealthTimeout, CancellationToken.None);
            Assert.True(unhealthy.Count == 0, "site nodes not healthy:\n" + fed.Logs());
        }
        catch
        {
            await fed.DisposeAsync();
            throw;
        }

        return fed;
    }

    /// <summary>The merged value of a site key at the region, or null when absent.</summary>
    public async Task<byte[]?> RegionValueAsync(string key)
    {
        using HttpResponseMessage r = await http.GetAsync(new Uri(RegionApi, $"v1/sites/{SiteId}/state/{key}"));
        return r.IsSuccessStatusCode ? await r.Content.ReadAsByteArrayAsync() : null;
    }

    public string Logs() =>
        "--- region\n" + Region.Tail(30) + "\n" +
        string.Join("\n", Enumerable.Range(0, Site.Count).Select(i => $"--- n{i + 1}\n" + Site.Node(i).Tail(30)));

    public async ValueTask DisposeAsync()
    {
        await Site.DisposeAsync();
        await Region.DisposeAsync();
        await Mosquitto.DisposeAsync();
        http.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A child may still hold a file for a moment.
        }
    }

    private async Task<bool> RegionHealthyAsync()
    {
        if (!Region.IsRunning)
        {
            throw new InvalidOperationException("grey-region exited:\n" + Region.Tail(40));
        }

        try
        {
            using HttpResponseMessage r = await http.GetAsync(new Uri(RegionApi, "healthz"));
            return r.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
