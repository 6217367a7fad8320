using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grey.Ctl.Dev;
using Grey.Federation.State;

namespace Grey.Ctl.Fleet;

/// <summary>
/// Compares what every site committed with what every region merged. A site's committed state is read through its
/// own API (linearizable reads on a running node); a region's through its core. Per counter key, the home region's
/// value against the site's gives merged, lost (too low) and duplicated (too high) entries; the state of the fleet's
/// keys, hashed on both sides, must match at every region, and all regions must hold the same state hash.
/// </summary>
internal sealed class FleetVerifier : IDisposable
{
    /// <summary>Longest wait for one read of a site's state.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http = new() { Timeout = ReadTimeout };

    /// <summary>The outcome of one comparison.</summary>
    internal sealed record Outcome(long Committed, long Merged, long Lost, long Duplicated, bool Converged, IReadOnlyList<string> Differences);

    /// <summary>Reads every site and every region once and compares.</summary>
    public async Task<Outcome> CompareAsync(IReadOnlyList<InProcessSite> sites, IReadOnlyList<InProcessRegion> regions, CancellationToken cancellationToken)
    {
        long committed = 0, merged = 0, lost = 0, duplicated = 0;
        var differences = new List<string>();
        foreach (InProcessSite site in sites)
        {
            SiteState? local = await ReadSiteAsync(site, cancellationToken).ConfigureAwait(false);
            if (local is null)
            {
                differences.Add($"site {site.Id}: no node answered a read");
                continue;
            }

            string localHash = local.Hash();
            foreach (InProcessRegion region in regions)
            {
                SiteState? remote = ReadRegion(region, site.Id);
                if (remote is null)
                {
                    differences.Add($"region {region.Id} is not running");
                    continue;
                }

                if (region.Id == site.Region)
                {
                    for (int k = 0; k < FleetWorkload.Counters; k++)
                    {
                        long c = local.Counters[k];
                        long m = remote.Counters[k];
                        committed += c;
                        merged += Math.Min(c, m);
                        lost += Math.Max(0, c - m);
                        duplicated += Math.Max(0, m - c);
                    }
                }

                if (remote.Hash() != localHash)
                {
                    differences.Add($"site {site.Id} at region {region.Id}: state differs (site {local}, region {remote})");
                }
            }
        }

        if (regions.Count > 1)
        {
            var hashes = regions.Select(r => r.Read(core => Convert.ToHexStringLower(core.ComputeStateHash()))).Distinct(StringComparer.Ordinal).ToList();
            if (hashes.Count != 1)
            {
                differences.Add($"regions hold {hashes.Count} different state hashes");
            }
        }

        return new Outcome(committed, merged, lost, duplicated, differences.Count == 0, differences);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static SiteState? ReadRegion(InProcessRegion region, string site) => region.Read(core =>
    {
        RegionState state = core.State;
        var counters = new long[FleetWorkload.Counters];
        var values = new string?[FleetWorkload.Values];
        for (int k = 0; k < counters.Length; k++)
        {
            counters[k] = state.GetCounterValue(site, FleetWorkload.CounterKey(k));
        }

        for (int k = 0; k < values.Length; k++)
        {
            values[k] = state.TryGetRegister(site, FleetWorkload.ValueKey(k), out Register r) && !r.IsTombstone ? Encoding.UTF8.GetString(r.Value.Span) : null;
        }

        return new SiteState(counters, values);
    });

    /// <summary>Reads the fleet's keys from the first node of the site that answers every read; null when none does.</summary>
    private async Task<SiteState?> ReadSiteAsync(InProcessSite site, CancellationToken cancellationToken)
    {
        foreach (int i in Enumerable.Range(0, site.Count).OrderBy(i => site.LeaderIndex() == i ? 0 : 1))
        {
            if (site.Host(i) is null)
            {
                continue;
            }

            try
            {
                var counters = new long[FleetWorkload.Counters];
                var values = new string?[FleetWorkload.Values];
                for (int k = 0; k < counters.Length; k++)
                {
                    using HttpResponseMessage r = await _http.GetAsync(new Uri($"{site.ApiUrls[i]}/v1/counters/{FleetWorkload.CounterKey(k)}"), cancellationToken).ConfigureAwait(false);
                    r.EnsureSuccessStatusCode();
                    using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                    counters[k] = doc.RootElement.GetProperty("value").GetInt64();
                }

                for (int k = 0; k < values.Length; k++)
                {
                    using HttpResponseMessage r = await _http.GetAsync(new Uri($"{site.ApiUrls[i]}/v1/kv/{FleetWorkload.ValueKey(k)}"), cancellationToken).ConfigureAwait(false);
                    if (r.StatusCode == HttpStatusCode.NotFound)
                    {
                        continue;
                    }

                    r.EnsureSuccessStatusCode();
                    values[k] = await r.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                }

                return new SiteState(counters, values);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // That node cannot serve a linearizable read now (no leader, stopped): ask the next.
            }
        }

        return null;
    }

    /// <summary>The fleet's keys of one site as one side sees them.</summary>
    private sealed record SiteState(long[] Counters, string?[] Values)
    {
        public string Hash() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ToString())));

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"counters [{string.Join(',', Counters)}] values [{string.Join(',', Values.Select(v => v ?? "-"))}]");
    }
}
