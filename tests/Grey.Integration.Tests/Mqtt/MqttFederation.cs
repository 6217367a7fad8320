using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grey.Ctl.Brokers;
using Grey.Ctl.EdgeHarness;
using Grey.Edge.Devices;
using Grey.Integration.Tests.Support;

namespace Grey.Integration.Tests.Mqtt;

/// <summary>
/// A federation from real processes on loopback over MQTT, as a new user starts it: one mosquitto
/// (<see cref="MosquittoServer"/>: <c>set_tcp_nodelay true</c>, persistence on, restartable on the same port), with
/// <paramref name="withNats"/> also a <c>nats-server -js</c>, one <c>grey-region --dev --mqtt URL</c> (and
/// <c>--nats URL</c>), and a site of three <c>grey-edge --region r1 --mqtt URL</c> processes (and <c>--nats URL</c>:
/// then the edge fails over between the two). Node 1 also runs the device listener (<c>--device-mqtt</c>) with one
/// device user. Each node is started by this class rather than <c>EdgeCluster</c> because only one node takes the
/// device flags, and a node's arguments there are the same for all.
/// </summary>
internal sealed class MqttFederation : IAsyncDisposable
{
    public const string RegionId = "r1";
    public const string SiteId = "plant-7";
    public const string AdminToken = "integration-admin-token";
    public const string DeviceUser = "sensor-1";
    public const string DevicePassword = "sensor-1-password";

    /// <summary>How long a process may take to answer <c>/healthz</c> on a loaded two-core machine.</summary>
    public static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(90);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ManagedProcess[] _nodes;
    private readonly Uri[] _nodeApis;

    private MqttFederation(string directory, MosquittoServer mosquitto, NatsServer? nats, ManagedProcess region, Uri regionApi, ManagedProcess[] nodes, Uri[] nodeApis, int devicePort)
    {
        Directory = directory;
        Mosquitto = mosquitto;
        Nats = nats;
        Region = region;
        RegionApi = regionApi;
        _nodes = nodes;
        _nodeApis = nodeApis;
        DevicePort = devicePort;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public string Directory { get; }

    public MosquittoServer Mosquitto { get; }

    public NatsServer? Nats { get; }

    public ManagedProcess Region { get; }

    public Uri RegionApi { get; }

    /// <summary>The loopback port of node 1's device listener.</summary>
    public int DevicePort { get; }

    public int NodeCount => _nodes.Length;

    public ManagedProcess Node(int index) => _nodes[index];

    public static async Task<MqttFederation> StartAsync(bool withNats)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("grey-mqtt-fed-").FullName;
        (MosquittoServer? mosquitto, string error) = await MosquittoServer.StartAsync(Path.Combine(dir, "mosquitto"));
        if (mosquitto is null)
        {
            throw new InvalidOperationException(error);
        }

        NatsServer? nats = null;
        if (withNats)
        {
            (nats, error) = await NatsServer.StartAsync(Path.Combine(dir, "nats"));
            if (nats is null)
            {
                await mosquitto.DisposeAsync();
                throw new InvalidOperationException(error);
            }
        }

        int[] ports = LoopbackPorts.Free(8);
        int regionPort = ports[0];
        int devicePort = ports[7];
        (string regionFile, IReadOnlyList<string> regionLead) = DaemonBinary.Locate("grey-region");
        var regionArgs = new List<string>(regionLead)
        {
            "--region", RegionId,
            "--data", Path.Combine(dir, "region"),
            "--api", "127.0.0.1:" + Port(regionPort),
            "--mqtt", mosquitto.Url,
            "--dev",
            "--admin-token", AdminToken,
        };
        if (nats is not null)
        {
            regionArgs.AddRange(["--nats", nats.Url]);
        }

        var region = new ManagedProcess("grey-region", regionFile, regionArgs, Path.Combine(dir, "region.log"));
        region.Start();

        string users = Path.Combine(dir, "device-users");
        using (var rng = RandomNumberGenerator.Create())
        {
            // 1,000 iterations, the lowest the listener accepts: the hash is checked at every device login.
            await File.WriteAllTextAsync(users, DeviceUsers.HashLine(DeviceUser, DevicePassword, rng, iterations: 1000) + "\n");
        }

        (string edgeFile, IReadOnlyList<string> edgeLead) = DaemonBinary.Locate("grey-edge");
        const int nodes = 3;
        string peers = string.Join(',', Enumerable.Range(0, nodes).Select(i => $"{i + 1}=127.0.0.1:{Port(ports[4 + i])}"));
        var processes = new ManagedProcess[nodes];
        var apis = new Uri[nodes];
        for (int i = 0; i < nodes; i++)
        {
            string data = Path.Combine(dir, "site", "n" + (i + 1).ToString(CultureInfo.InvariantCulture));
            System.IO.Directory.CreateDirectory(data);
            var args = new List<string>(edgeLead)
            {
                "--node-id", (i + 1).ToString(CultureInfo.InvariantCulture),
                "--site", SiteId,
                "--data", data,
                "--api", "127.0.0.1:" + Port(ports[1 + i]),
                "--peer-listen", "127.0.0.1:" + Port(ports[4 + i]),
                "--peers", peers,
                "--insecure",
                "--region", RegionId,
                "--mqtt", mosquitto.Url,
            };
            if (nats is not null)
            {
                args.AddRange(["--nats", nats.Url]);
            }

            if (i == 0)
            {
                args.AddRange(["--device-mqtt", "127.0.0.1:" + Port(devicePort), "--device-users", users]);
            }

            apis[i] = new Uri($"http://127.0.0.1:{Port(ports[1 + i])}/");
            processes[i] = new ManagedProcess("n" + (i + 1).ToString(CultureInfo.InvariantCulture), edgeFile, args, data + ".log");
            processes[i].Start();
        }

        var fed = new MqttFederation(dir, mosquitto, nats, region, new Uri($"http://127.0.0.1:{Port(regionPort)}/"), processes, apis, devicePort);
        try
        {
            await fed.WaitRegionHealthyAsync();
            for (int i = 0; i < nodes; i++)
            {
                await fed.WaitNodeHealthyAsync(i);
            }
        }
        catch
        {
            await fed.DisposeAsync();
            throw;
        }

        return fed;
    }

    public async Task WaitRegionHealthyAsync()
    {
        if (!await EventuallyAsync(async () => Region.IsRunning && await IsOkAsync(new Uri(RegionApi, "healthz")), HealthTimeout, stopWhen: () => !Region.IsRunning))
        {
            throw new InvalidOperationException("grey-region not healthy:\n" + Region.Tail(40));
        }
    }

    public async Task WaitNodeHealthyAsync(int index)
    {
        if (!await EventuallyAsync(async () => _nodes[index].IsRunning && await IsOkAsync(new Uri(_nodeApis[index], "healthz")), HealthTimeout, stopWhen: () => !_nodes[index].IsRunning))
        {
            throw new InvalidOperationException($"node n{index + 1} not healthy:\n{_nodes[index].Tail(40)}");
        }
    }

    public Task KillNodeAsync(int index) => _nodes[index].KillAsync();

    public void RestartNode(int index)
    {
        if (!_nodes[index].IsRunning)
        {
            _nodes[index].Start();
        }
    }

    /// <summary>The index of the node that reports itself leader, or null.</summary>
    public async Task<int?> LeaderIndexAsync()
    {
        for (int i = 0; i < _nodes.Length; i++)
        {
            if (!_nodes[i].IsRunning)
            {
                continue;
            }

            try
            {
                using HttpResponseMessage r = await _http.GetAsync(new Uri(_nodeApis[i], "v1/status"));
                using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
                if (doc.RootElement.GetProperty("role").GetString() is string role && role.Equals("leader", StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
                // That node is down or busy; ask the next.
            }
        }

        return null;
    }

    public async Task<int> WaitLeaderAsync()
    {
        int? leader = null;
        await EventuallyAsync(async () => (leader = await LeaderIndexAsync()) is not null, HealthTimeout);
        return leader ?? throw new InvalidOperationException("no leader\n" + Logs());
    }

    /// <summary>Puts a value through node <paramref name="node"/>; the outcome as the load generator classifies it.</summary>
    public async Task<WriteOutcome> PutAsync(int node, string key, string value)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(value));
        return await SendAsync(HttpMethod.Put, new Uri(_nodeApis[node], "v1/kv/" + key), content);
    }

    /// <summary>Adds to a counter through node <paramref name="node"/>.</summary>
    public async Task<WriteOutcome> AddAsync(int node, string key, long amount)
    {
        using var content = new StringContent(amount.ToString(CultureInfo.InvariantCulture));
        return await SendAsync(HttpMethod.Post, new Uri(_nodeApis[node], "v1/counters/" + key), content);
    }

    /// <summary>The site's counter read linearizably on node <paramref name="node"/>.</summary>
    public async Task<long> SiteCounterAsync(int node, string key)
    {
        using HttpResponseMessage r = await _http.GetAsync(new Uri(_nodeApis[node], "v1/counters/" + key));
        r.EnsureSuccessStatusCode();
        using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("value").GetInt64();
    }

    /// <summary>The merged value of a site key at the region, or null when absent.</summary>
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

    /// <summary>A merged counter at the region (decimal text), 0 when absent.</summary>
    public async Task<long> RegionCounterAsync(string key)
    {
        byte[]? raw = await RegionValueAsync(key);
        return raw is null ? 0 : long.Parse(Encoding.UTF8.GetString(raw).Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>The region's merged index of the site, 0 before the first merge.</summary>
    public async Task<ulong> RegionMergedIndexAsync()
    {
        using HttpResponseMessage r = await _http.GetAsync(new Uri(RegionApi, $"v1/sites/{SiteId}"));
        if (r.StatusCode == HttpStatusCode.NotFound)
        {
            return 0;
        }

        r.EnsureSuccessStatusCode();
        using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("merged_index") is { ValueKind: JsonValueKind.Number } m ? m.GetUInt64() : 0;
    }

    /// <summary>The region's <c>/metrics</c>, parsed.</summary>
    public Task<PrometheusText> RegionMetricsAsync() => MetricsAsync(new Uri(RegionApi, "metrics"));

    /// <summary>Node <paramref name="node"/>'s <c>/metrics</c>, parsed.</summary>
    public Task<PrometheusText> NodeMetricsAsync(int node) => MetricsAsync(new Uri(_nodeApis[node], "metrics"));

    /// <summary>The reasons of the region's quarantine items for <see cref="SiteId"/> (<c>GET /v1/quarantine</c>), oldest first.</summary>
    public async Task<IReadOnlyList<(string Reason, string Site)>> QuarantineAsync()
    {
        using HttpResponseMessage r = await _http.GetAsync(new Uri(RegionApi, "v1/quarantine"));
        r.EnsureSuccessStatusCode();
        using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        JsonElement items = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("items");
        return items.EnumerateArray()
            .Select(i => (i.GetProperty("reason").GetString() ?? "", i.TryGetProperty("site", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : ""))
            .ToList();
    }

    /// <summary>Polls until <paramref name="done"/> holds or <paramref name="timeout"/> passes (or <paramref name="stopWhen"/> holds); returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> done, TimeSpan timeout, Func<bool>? stopWhen = null)
    {
        long start = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(start) < timeout)
        {
            if (await done())
            {
                return true;
            }

            if (stopWhen?.Invoke() == true)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return await done();
    }

    public string Logs()
    {
        var text = new StringBuilder();
        text.Append("--- region\n").Append(Region.Tail(30)).Append('\n');
        for (int i = 0; i < _nodes.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"--- n{i + 1}\n").Append(_nodes[i].Tail(30)).Append('\n');
        }

        text.Append("--- mosquitto\n").Append(File.Exists(Mosquitto.LogPath) ? string.Join('\n', File.ReadLines(Mosquitto.LogPath).TakeLast(15)) : "");
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (ManagedProcess node in _nodes)
        {
            await node.DisposeAsync();
        }

        await Region.DisposeAsync();
        await Mosquitto.DisposeAsync();
        if (Nats is not null)
        {
            await Nats.DisposeAsync();
        }

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

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private async Task<bool> IsOkAsync(Uri uri)
    {
        try
        {
            using HttpResponseMessage r = await _http.GetAsync(uri);
            return r.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private async Task<PrometheusText> MetricsAsync(Uri uri)
    {
        using HttpResponseMessage r = await _http.GetAsync(uri);
        r.EnsureSuccessStatusCode();
        return PrometheusText.Parse(await r.Content.ReadAsStringAsync());
    }

    private async Task<WriteOutcome> SendAsync(HttpMethod method, Uri uri, HttpContent content)
    {
        try
        {
            using var request = new HttpRequestMessage(method, uri) { Content = content };
            using HttpResponseMessage r = await _http.SendAsync(request);
            if (r.IsSuccessStatusCode)
            {
                return WriteOutcome.Acknowledged;
            }

            // Only these answers say the write was never proposed; any other failure (outcome_unknown, dropped,
            // stopped, a timeout) may still commit.
            string body = await r.Content.ReadAsStringAsync();
            return (int)r.StatusCode == 429 || body.Contains("\"no_leader\"", StringComparison.Ordinal) || body.Contains("\"not_ready\"", StringComparison.Ordinal)
                ? WriteOutcome.NotApplied
                : WriteOutcome.Unknown;
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return WriteOutcome.NotApplied;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return WriteOutcome.Unknown;
        }
    }
}
