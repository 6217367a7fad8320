using System.Globalization;
using System.Net;
using System.Text.Json;
using Grey.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Grey.Integration.Tests.Quotas;

/// <summary>
/// Per-site quotas with real processes: nats-server, one <c>grey-region</c> with a small quota (4 deltas/s and
/// 4 KiB/s per site), and two one-node sites, both shipping before the load starts (a site that is not yet attested
/// keeps its writes and ships them in one delta). The noisy site writes as fast as eight clients can, about 130 KB of
/// random text (its outbox batches writes into deltas and compresses them, so the byte quota is the one it hits),
/// the quiet one a small write every 600 ms (about 700 B/s, well under both). The noisy site must be throttled (its acknowledgements delayed, its outbox backlog growing)
/// while the quiet site's acknowledgements are never delayed, and every key of both must be merged. The assertions
/// are on counts and metrics, not on timings.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class QuotaTests(ITestOutputHelper output)
{
    /// <summary>The region's quota flags. Sabotage by hand: "0" for both (quotas off) must fail the throttled assertions.</summary>
    private const string DeltasPerSecond = "4";

    private const string BytesPerSecond = "4096";

    /// <summary>Random text per noisy value (seeded: the test prints nothing random it would need to replay), barely compressible.</summary>
    private const int NoisyValueBytes = 150;

    private const int NoisyWriters = 8;
    private const int NoisyWritesEach = 100;
    private const int QuietWrites = 12;
    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task NoisyAndQuietSites_SmallQuota_NoisyThrottledQuietNeverDelayedNothingLost()
    {
        await using RegionProcesses fleet = await RegionProcesses.StartAsync();
        Uri region = await fleet.StartRegionAsync("region", "--quota-deltas-per-s", DeltasPerSecond, "--quota-bytes-per-s", BytesPerSecond);
        IReadOnlyList<Uri> nodes = await fleet.StartSitesAsync("noisy", "quiet");
        Uri noisy = nodes[0];
        Uri quiet = nodes[1];
        var noisyKeys = new Dictionary<string, string>();
        var quietKeys = new Dictionary<string, string>();
        foreach ((string site, Uri node, Dictionary<string, string> keys) in new[] { ("noisy", noisy, noisyKeys), ("quiet", quiet, quietKeys) })
        {
            Assert.True(await fleet.PutAsync(node, "warm", "up"), $"warm-up write on {site} failed\n{fleet.Logs()}");
            keys["warm"] = "up";
            Assert.True(await RegionProcesses.EventuallyAsync(async () => await fleet.MergedCountAsync(region, site, keys) == 1, ArrivalTimeout),
                $"{site} never started shipping\n{fleet.Logs()}");
        }

        // Nothing delayed yet (absent when no site is metered at all).
        Assert.Equal(0, await fleet.MetricAsync(region, "grey_region_acks_delayed_total{site=\"noisy\"}") ?? 0);

        using var sampling = new CancellationTokenSource();
        Task<(bool Throttled, double MaxBacklog)> sampler = SampleAsync(fleet, region, noisy, sampling.Token);
        Task quietLoad = Task.Run(async () =>
        {
            for (int i = 0; i < QuietWrites; i++)
            {
                string key = "q/" + i.ToString(CultureInfo.InvariantCulture);
                Assert.True(await fleet.PutAsync(quiet, key, "v" + key), $"quiet write {key} failed\n{fleet.Logs()}");
                lock (quietKeys)
                {
                    quietKeys[key] = "v" + key;
                }

                await Task.Delay(600);
            }
        });
        Task[] noisyLoad = [.. Enumerable.Range(0, NoisyWriters).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (int i = 0; i < NoisyWritesEach; i++)
            {
                string key = $"n/{w}/{i}";
                string value = new([.. Enumerable.Range(0, NoisyValueBytes).Select(_ => (char)random.Next('!', '~'))]);
                Assert.True(await fleet.PutAsync(noisy, key, value), $"noisy write {key} failed\n{fleet.Logs()}");
                lock (noisyKeys)
                {
                    noisyKeys[key] = value;
                }
            }
        }))];
        await Task.WhenAll([.. noisyLoad, quietLoad]);

        // Everything of both sites arrives (nothing dropped: only acknowledgements wait) and is acknowledged in the end.
        bool arrived = await RegionProcesses.EventuallyAsync(
            async () => await fleet.MergedCountAsync(region, "noisy", noisyKeys) == noisyKeys.Count && await fleet.MergedCountAsync(region, "quiet", quietKeys) == quietKeys.Count
                && await EdgeMetricAsync(fleet, noisy, "grey_edge_outbox_backlog_entries") == 0 && await EdgeMetricAsync(fleet, quiet, "grey_edge_outbox_backlog_entries") == 0,
            ArrivalTimeout);
        await sampling.CancelAsync();
        (bool seenThrottled, double maxBacklog) = await sampler;

        double noisyDelayed = await fleet.MetricAsync(region, "grey_region_acks_delayed_total{site=\"noisy\"}") ?? -1;
        double quietDelayed = await fleet.MetricAsync(region, "grey_region_acks_delayed_total{site=\"quiet\"}") ?? -1;
        double noisySeconds = await fleet.MetricAsync(region, "grey_region_ack_delay_seconds_total{site=\"noisy\"}") ?? -1;
        double quietThrottled = await fleet.MetricAsync(region, "grey_region_site_throttled{site=\"quiet\"}") ?? -1;
        JsonElement noisyStatus = (await fleet.SiteAsync(region, "noisy"))!.Value;
        output.WriteLine($"noisy: {noisyKeys.Count} writes, acks delayed {noisyDelayed}, delay {noisySeconds:0.0} s, throttled seen {seenThrottled}, " +
            $"largest outbox backlog {maxBacklog}, status quota {noisyStatus.GetProperty("quota")}");
        output.WriteLine($"quiet: {quietKeys.Count} writes, acks delayed {quietDelayed}, throttled now {quietThrottled}");
        foreach ((string name, Uri node) in new[] { ("noisy", noisy), ("quiet", quiet) })
        {
            output.WriteLine($"{name} outbox: deltas shipped {await EdgeMetricAsync(fleet, node, "grey_edge_outbox_deltas_shipped_total")}, bytes shipped " +
                $"{await EdgeMetricAsync(fleet, node, "grey_edge_outbox_bytes_shipped_total")}, resends {await EdgeMetricAsync(fleet, node, "grey_edge_outbox_resends_total")}");
        }

        Assert.True(arrived, $"not everything arrived or was acknowledged: noisy {await fleet.MergedCountAsync(region, "noisy", noisyKeys)}/{noisyKeys.Count}, " +
            $"quiet {await fleet.MergedCountAsync(region, "quiet", quietKeys)}/{quietKeys.Count}\n{fleet.Logs()}");
        Assert.True(noisyDelayed > 0, $"the noisy site's acknowledgements were never delayed ({noisyDelayed})\n{fleet.Logs()}");
        Assert.True(noisySeconds > 0, $"no delay time recorded for the noisy site ({noisySeconds})");
        Assert.True(seenThrottled, "grey_region_site_throttled{site=\"noisy\"} was never 1 while it wrote");
        Assert.True(noisyStatus.GetProperty("quota").GetProperty("acks_delayed").GetInt64() > 0, "the site status does not show the delayed acks");
        Assert.Equal(0, quietDelayed);
        Assert.Equal(0, quietThrottled);
        Assert.Equal(0, (await fleet.SiteAsync(region, "quiet"))!.Value.GetProperty("quota").GetProperty("acks_delayed").GetInt64());
    }

    /// <summary>Samples, until cancelled, whether the region shows the noisy site throttled and the largest backlog of its outbox.</summary>
    private static async Task<(bool Throttled, double MaxBacklog)> SampleAsync(RegionProcesses fleet, Uri region, Uri noisy, CancellationToken stop)
    {
        bool throttled = false;
        double backlog = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                throttled |= await fleet.MetricAsync(region, "grey_region_site_throttled{site=\"noisy\"}") == 1;
                backlog = Math.Max(backlog, await EdgeMetricAsync(fleet, noisy, "grey_edge_outbox_backlog_entries") ?? 0);
                await Task.Delay(200, stop);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                // A busy process or the end of sampling.
            }
        }

        return (throttled, backlog);
    }

    private static async Task<double?> EdgeMetricAsync(RegionProcesses fleet, Uri node, string name)
    {
        (HttpStatusCode status, string text) = await fleet.GetAsync(node, "metrics");
        if (status != HttpStatusCode.OK)
        {
            return null;
        }

        string? line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
