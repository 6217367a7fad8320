using System.Globalization;
using System.Security.Cryptography;
using Grey.Ctl.Cli;
using Grey.Ctl.EdgeHarness;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Registry;
using Grey.Region.Status;

namespace Grey.Ctl.Dev;

/// <summary>
/// <c>greyctl dev</c>: a whole federation in this process. One region (<c>grey-region --dev</c>, with the embedded
/// MQTT broker unless a NATS or MQTT URL is given), the sites' Raft groups (<c>grey-edge</c> nodes with the software
/// TPM, enrolled through the region's development CA), demo traffic, a live summary, and a clean stop on Ctrl-C or
/// after the duration with a final summary. Exit 0 when every site was merged with lag 0 at the end, 1 when a
/// site did not catch up within the drain timeout or a part failed.
/// </summary>
internal sealed class DevRunner
{
    /// <summary>The region's id.</summary>
    public const string RegionId = "r1";

    /// <summary>How often start-up and drain conditions are polled.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly DevOptions _options;
    private readonly TextWriter _out;
    private readonly TimeProvider _time;

    public DevRunner(DevOptions options, TextWriter output, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(time);
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _out = output;
        _time = time;
    }

    /// <summary>The site ids: dev-1, dev-2, ...</summary>
    public static string SiteId(int index) => "dev-" + (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs until <paramref name="stop"/> fires or the duration passes; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        bool temporary = _options.DataDirectory is null;
        string data = _options.DataDirectory ?? Directory.CreateTempSubdirectory("grey-dev-").FullName;
        Directory.CreateDirectory(data);
        try
        {
            return await RunInAsync(data, temporary, stop).ConfigureAwait(false);
        }
        finally
        {
            if (temporary)
            {
                TryDelete(data);
            }
        }
    }

    private async Task<int> RunInAsync(string data, bool temporary, CancellationToken stop)
    {
        string? natsUrl = _options.NatsUrl;
        string? mqttUrl = _options.MqttUrl;
        string? embedded = null;
        if (natsUrl is null && mqttUrl is null)
        {
            embedded = "127.0.0.1:" + LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
            mqttUrl = "mqtt://" + embedded;
        }

        string broker = embedded is not null ? $"the embedded MQTT broker on {mqttUrl}"
            : string.Join(" and ", new[] { natsUrl is null ? null : "NATS " + natsUrl, _options.MqttUrl is null ? null : "MQTT " + _options.MqttUrl }.OfType<string>());
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"greyctl dev: region {RegionId}, {_options.Sites} sites of {_options.Nodes} nodes, {broker}, data in {data}{(temporary ? " (removed at exit; --data DIR keeps it)" : "")}"));
        _out.WriteLine(_options.Duration is { } d
            ? string.Create(CultureInfo.InvariantCulture, $"greyctl dev: runs for {d.TotalSeconds:0.###} s, or until Ctrl-C")
            : "greyctl dev: runs until Ctrl-C (--duration 30s stops it by itself)");

        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        int apiPort = LoopbackPorts.Free();
        IReadOnlyList<string> regionArgs = InProcessRegion.Arguments(RegionId, Path.Combine(data, "region"), apiPort, token, natsUrl, _options.MqttUrl, embedded, [], null);
        InProcessRegion region;
        try
        {
            region = await InProcessRegion.StartAsync(RegionId, Path.Combine(data, "region"), apiPort, token, regionArgs, new RegionDaemonDependencies { Time = _time }, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStartFailure(e))
        {
            _out.WriteLine($"greyctl dev: the region cannot start: {e.Message}");
            return ExitCodes.CheckFailed;
        }

        var sites = new List<InProcessSite>();
        await using (region.ConfigureAwait(false))
        {
            try
            {
                try
                {
                    for (int i = 0; i < _options.Sites; i++)
                    {
                        sites.Add(await InProcessSite.StartAsync(SiteId(i), RegionId, Path.Combine(data, SiteId(i)), _options.Nodes, natsUrl, mqttUrl, _time, stop).ConfigureAwait(false));
                    }
                }
                catch (Exception e) when (IsStartFailure(e))
                {
                    _out.WriteLine($"greyctl dev: a site cannot start: {e.Message}");
                    return ExitCodes.CheckFailed;
                }

                return await RunSitesAsync(region, sites, stop).ConfigureAwait(false);
            }
            finally
            {
                await Task.WhenAll(sites.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> RunSitesAsync(InProcessRegion region, List<InProcessSite> sites, CancellationToken stop)
    {
        _out.WriteLine($"region {region.Id} API {region.ApiUrl}  admin token {region.AdminToken}");
        _out.WriteLine($"  try: curl {region.ApiUrl}/v1/sites   curl {region.ApiUrl}/v1/sites/{sites[0].Id}/state/line/0/speed");
        foreach (InProcessSite site in sites)
        {
            _out.WriteLine($"site {site.Id} node APIs {string.Join(' ', site.ApiUrls)}");
        }

        _out.WriteLine($"  try: curl -XPUT --data-binary 42 {sites[0].ApiUrls[0]}/v1/kv/line/9/speed");
        _out.WriteLine($"  desired state: curl -XPUT -H 'Authorization: Bearer {region.AdminToken}' --data-binary 7 {region.ApiUrl}/v1/sites/{sites[0].Id}/desired/line/9/target");
        _out.WriteLine($"    then: curl {sites[0].ApiUrls[0]}/v1/kv/desired/line/9/target");
        if (!await WaitStartedAsync(region, sites, stop).ConfigureAwait(false))
        {
            return stop.IsCancellationRequested ? await FinishAsync(region, sites, null).ConfigureAwait(false) : ExitCodes.CheckFailed;
        }

        var traffic = DemoTraffic.Start(sites, _options.WritesPerSecond, _time, seed: 1);
        await using (traffic.ConfigureAwait(false))
        {
            using var run = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (_options.Duration is { } duration)
            {
                run.CancelAfter(duration);
            }

            while (!run.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(_options.SummaryInterval, _time, run.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                if (Failure(region, sites) is { } failure)
                {
                    _out.WriteLine($"greyctl dev: {failure}");
                    return ExitCodes.CheckFailed;
                }

                PrintSummary("live", Summaries(region, sites, traffic));
            }

            _out.WriteLine(stop.IsCancellationRequested ? "greyctl dev: Ctrl-C: stopping the demo traffic" : "greyctl dev: duration reached: stopping the demo traffic");
            await traffic.StopAsync().ConfigureAwait(false);
            return await FinishAsync(region, sites, traffic).ConfigureAwait(false);
        }
    }

    /// <summary>Waits (bounded) for every site to be merged with lag 0, prints the final summary and picks the exit code.</summary>
    private async Task<int> FinishAsync(InProcessRegion region, List<InProcessSite> sites, DemoTraffic? traffic)
    {
        long start = _time.GetTimestamp();
        IReadOnlyList<SiteSummary> final = Summaries(region, sites, traffic);
        while (!final.All(s => s.CaughtUp) && _time.GetElapsedTime(start) < _options.DrainTimeout && Failure(region, sites) is null)
        {
            await Task.Delay(PollInterval, _time, CancellationToken.None).ConfigureAwait(false);
            final = Summaries(region, sites, traffic);
        }

        PrintSummary("final", final);
        int caughtUp = final.Count(s => s.CaughtUp);
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"final: {caughtUp} of {final.Count} sites merged with lag 0 ({_time.GetElapsedTime(start).TotalSeconds:F1} s after the traffic stopped)"));
        if (Failure(region, sites) is { } failure)
        {
            _out.WriteLine($"greyctl dev: {failure}");
            return ExitCodes.CheckFailed;
        }

        return caughtUp == final.Count ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }

    /// <summary>Waits (bounded) until every site has a leader and every node is enrolled with a passing attestation.</summary>
    private async Task<bool> WaitStartedAsync(InProcessRegion region, List<InProcessSite> sites, CancellationToken stop)
    {
        long start = _time.GetTimestamp();
        while (_time.GetElapsedTime(start) < _options.StartTimeout)
        {
            if (Failure(region, sites) is { } failure)
            {
                _out.WriteLine($"greyctl dev: {failure}");
                return false;
            }

            IReadOnlyList<SiteSummary> now = Summaries(region, sites, null);
            if (sites.All(s => s.LeaderIndex() is not null) && now.All(s => s.NodesPassing == s.NodesExpected))
            {
                _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"greyctl dev: every site has a leader and all {sites.Count * _options.Nodes} nodes are enrolled and attested ({_time.GetElapsedTime(start).TotalSeconds:F1} s); writing demo traffic"));
                return true;
            }

            try
            {
                await Task.Delay(PollInterval, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        PrintSummary("start", Summaries(region, sites, null));
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"greyctl dev: not every site elected a leader and attested within {_options.StartTimeout.TotalSeconds:F0} s"));
        return false;
    }

    private IReadOnlyList<SiteSummary> Summaries(InProcessRegion region, List<InProcessSite> sites, DemoTraffic? traffic)
    {
        IReadOnlyList<SiteStatus> known = region.Sites();
        var result = new List<SiteSummary>(sites.Count);
        for (int i = 0; i < sites.Count; i++)
        {
            SiteStatus? s = known.FirstOrDefault(k => k.Site == sites[i].Id);
            result.Add(new SiteSummary(
                sites[i].Id,
                s?.MergedIndex ?? 0,
                s?.Lag,
                s?.Nodes.Count(n => n.Attestation == NodeAttestation.Passing && !n.Revoked) ?? 0,
                s?.Nodes.Count ?? 0,
                _options.Nodes,
                traffic?.Acknowledged(i) ?? 0));
        }

        return result;
    }

    private void PrintSummary(string label, IReadOnlyList<SiteSummary> summaries)
    {
        ulong merged = 0;
        foreach (SiteSummary s in summaries)
        {
            merged += s.MergedIndex;
            _out.WriteLine($"{label}: {s.Format()}");
        }

        _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: {summaries.Count} sites, merged index total {merged}, max lag {(summaries.All(s => s.Lag is not null) ? summaries.Max(s => s.Lag!.Value).ToString(CultureInfo.InvariantCulture) : "?")}, attestation {summaries.Sum(s => s.NodesPassing)}/{summaries.Sum(s => s.NodesExpected)} passing"));
    }

    private static string? Failure(InProcessRegion region, List<InProcessSite> sites)
    {
        if (region.Failure is { } r)
        {
            return $"the region failed: {r.Message}";
        }

        foreach (InProcessSite site in sites)
        {
            if (site.Failure is { } f)
            {
                return $"a node of site {site.Id} failed: {f.Message}";
            }
        }

        return null;
    }

    private static bool IsStartFailure(Exception e) => e is IOException or InvalidOperationException or UnauthorizedAccessException
        or CryptographicException or ArgumentException or System.Net.Sockets.SocketException or OperationCanceledException or InvalidDataException
        or NATS.Client.Core.NatsException;

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a temporary directory left behind is harmless.
        }
    }
}
