using System.IO.Hashing;
using System.Net;
using System.Text;
using System.Text.Json;
using Grey.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Grey.Integration.Tests.Quotas;

/// <summary>
/// Sites split over two <c>grey-region</c> processes (<c>--shard 0/2</c> and <c>--shard 1/2</c>) on one nats-server:
/// each site enrolls with, is merged and acknowledged by exactly the process its hash names, the other answers 421
/// for it and never lists it, and every write of every site is merged.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class ShardTests(ITestOutputHelper output)
{
    private const int WritesPerSite = 20;
    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TwoShards_SitesOnBoth_EachMergedByExactlyItsShardAndAllMerged()
    {
        // The documented rule, computed here independently of the daemon: XxHash64(UTF-8 id, seed 0) mod N.
        string[] sites = ["site-0", "site-1", "site-2", "site-4"];
        int[] owner = [.. sites.Select(s => (int)(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(s), 0) % 2))];
        Assert.Equal([0, 1, 0, 1], owner);

        await using RegionProcesses fleet = await RegionProcesses.StartAsync();
        Uri[] shards = [await fleet.StartRegionAsync("shard0", "--shard", "0/2"), await fleet.StartRegionAsync("shard1", "--shard", "1/2")];
        IReadOnlyList<Uri> nodes = await fleet.StartSitesAsync(sites);
        var written = sites.ToDictionary(s => s, _ => new Dictionary<string, string>());
        await Task.WhenAll(sites.Select((site, i) => Task.Run(async () =>
        {
            for (int k = 0; k < WritesPerSite; k++)
            {
                string key = $"k/{k}";
                Assert.True(await fleet.PutAsync(nodes[i], key, $"{site}:{k}"), $"write {site} {key} failed\n{fleet.Logs()}");
                written[site][key] = $"{site}:{k}";
            }
        })));

        bool arrived = await RegionProcesses.EventuallyAsync(async () =>
        {
            for (int i = 0; i < sites.Length; i++)
            {
                if (await fleet.MergedCountAsync(shards[owner[i]], sites[i], written[sites[i]]) != WritesPerSite)
                {
                    return false;
                }
            }

            return true;
        }, ArrivalTimeout);
        Assert.True(arrived, $"not every write merged at its shard\n{fleet.Logs()}");

        for (int i = 0; i < sites.Length; i++)
        {
            JsonElement status = (await fleet.SiteAsync(shards[owner[i]], sites[i]))!.Value;
            output.WriteLine($"{sites[i]}: shard {owner[i]}, merged index {status.GetProperty("merged_index")}");
            (HttpStatusCode other, string body) = await fleet.GetAsync(shards[1 - owner[i]], "v1/sites/" + sites[i]);
            Assert.Equal(HttpStatusCode.MisdirectedRequest, other);
            Assert.Contains("other-shard", body, StringComparison.Ordinal);
        }

        for (int s = 0; s < 2; s++)
        {
            (_, string list) = await fleet.GetAsync(shards[s], "v1/sites");
            using JsonDocument doc = JsonDocument.Parse(list);
            string[] listed = [.. doc.RootElement.EnumerateArray().Select(e => e.GetProperty("site").GetString()!).Order(StringComparer.Ordinal)];
            string[] own = [.. sites.Where((_, i) => owner[i] == s).Order(StringComparer.Ordinal)];
            double foreign = await fleet.MetricAsync(shards[s], "grey_region_shard_foreign_settled_total") ?? -1;
            double merged = await fleet.MetricAsync(shards[s], "grey_region_deltas_merged_total") ?? -1;
            output.WriteLine($"shard {s}: sites [{string.Join(",", listed)}], deltas merged {merged}, other shards' deltas settled {foreign}");
            Assert.Equal(own, listed);
            Assert.True(merged > 0, $"shard {s} merged nothing");
            Assert.True(foreign > 0, $"shard {s} never saw (and settled) another shard's delta: both must receive every delta");
        }
    }
}
