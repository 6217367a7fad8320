using System.Net;
using System.Text.Json;
using Grey.Ctl.EdgeHarness;
using Grey.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Grey.Integration.Tests.Regions;

/// <summary>
/// Two <c>grey-region --dev</c> processes (r1, r2) on one nats-server and a one-node site homed at each: enrollment
/// and attestation requests (<c>grey.enroll.&lt;site&gt;</c>, <c>grey.attest.&lt;site&gt;</c>) reach both regions, and
/// only the site's home region (named by the edge in the Grey-Region header) may answer. Before that rule a site
/// homed at r2 was answered by r1 too, refused (node-unknown, session-unknown) and never attested.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class SharedBrokerRegionsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TwoRegionsOneBroker_EachSiteAttestsAndMergesAtItsHomeRegionOnly()
    {
        await using RegionProcesses fed = await RegionProcesses.StartAsync();
        Uri r1 = await fed.StartOwnRegionAsync("r1");
        Uri r2 = await fed.StartOwnRegionAsync("r2");
        long start = TimeProvider.System.GetTimestamp();
        EdgeCluster a = fed.StartSite("site-a", "r1");
        EdgeCluster b = fed.StartSite("site-b", "r2");
        foreach (EdgeCluster site in new[] { a, b })
        {
            IReadOnlyList<int> unhealthy = await site.WaitHealthyAsync(Arrival, CancellationToken.None);
            Assert.True(unhealthy.Count == 0, $"site not healthy\n{fed.Logs()}");
        }

        Assert.True(await fed.PutAsync(a.ApiEndpoints[0], "line/1", "from-a"), $"site-a did not acknowledge\n{fed.Logs()}");
        Assert.True(await fed.PutAsync(b.ApiEndpoints[0], "line/1", "from-b"), $"site-b did not acknowledge\n{fed.Logs()}");

        // Each site's node attests at its home region and its write merges there.
        foreach ((Uri region, string site, string value) in new[] { (r1, "site-a", "from-a"), (r2, "site-b", "from-b") })
        {
            bool merged = await RegionProcesses.EventuallyAsync(async () =>
            {
                (HttpStatusCode status, string body) = await fed.GetAsync(region, $"v1/sites/{site}/state/line/1");
                return status == HttpStatusCode.OK && body == value;
            }, Arrival);
            Assert.True(merged, $"{site} not merged at its home region\n{fed.Logs()}");
            JsonElement status = (await fed.SiteAsync(region, site))!.Value;
            JsonElement node = Assert.Single(status.GetProperty("attestation").EnumerateArray());
            Assert.Equal("passing", node.GetProperty("attestation").GetString());
            output.WriteLine($"{site} at its home region: {status}");
        }

        output.WriteLine($"both sites attested and merged {TimeProvider.System.GetElapsedTime(start).TotalSeconds:0.0} s after they started");

        // Neither region enrolled, attested or merged the other region's site.
        Assert.Null(await fed.SiteAsync(r1, "site-b"));
        Assert.Null(await fed.SiteAsync(r2, "site-a"));
        Assert.NotEqual(HttpStatusCode.OK, (await fed.GetAsync(r1, "v1/sites/site-b/state/line/1")).Status);
        Assert.NotEqual(HttpStatusCode.OK, (await fed.GetAsync(r2, "v1/sites/site-a/state/line/1")).Status);
    }
}
