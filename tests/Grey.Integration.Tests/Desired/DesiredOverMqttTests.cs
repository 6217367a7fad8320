using System.Text;
using Grey.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Grey.Integration.Tests.Desired;

/// <summary>
/// Desired state over MQTT alone (mosquitto, <c>grey-region --dev --mqtt</c>, three <c>grey-edge --mqtt</c>):
/// changes on <c>grey/desired/&lt;site&gt;</c> at QoS 1, settled by the edge only once handled.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class DesiredOverMqttTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Changes_OnlineAndWhileTheSiteIsDown_ArriveInOrderExactlyOnce()
    {
        await using MqttDesiredFederation fed = await MqttDesiredFederation.StartAsync("plant-dm");
        using var client = new DesiredClient(fed.RegionApi, fed.SiteId, fed.Site.ApiEndpoints);
        Assert.True(await FederationHarness.EventuallyAsync(client.RegionKnowsSiteAsync, Arrival), $"the site never enrolled\n{fed.Logs()}");

        Assert.Equal(1UL, await client.PutAsync("valve", "open"));
        for (int node = 0; node < fed.Site.Count; node++)
        {
            int n = node;
            Assert.True(await FederationHarness.EventuallyAsync(async () => await client.SiteValueAsync(n, "desired/valve") is { Value: "open" }, Arrival), $"node {n + 1} never showed desired/valve\n{fed.Logs()}");
        }

        Assert.True(await FederationHarness.EventuallyAsync(async () => await client.RegionMarksAsync() == (1UL, 0UL), Arrival), $"region marks {await client.RegionMarksAsync()}\n{fed.Logs()}");
        for (int i = 0; i < fed.Site.Count; i++)
        {
            await fed.Site.KillAsync(i);
        }

        // Queued for the site's persistent sessions and kept by the region until applied.
        Assert.Equal(2UL, await client.PutAsync("valve", "closed"));
        Assert.Equal(3UL, await client.PutAsync("rate", "5"));
        Assert.Equal(4UL, await client.PutAsync("valve", "half"));
        Assert.Equal(5UL, await client.DeleteAsync("rate"));
        for (int i = 0; i < fed.Site.Count; i++)
        {
            fed.Site.Restart(i);
        }

        Assert.Empty(await fed.Site.WaitHealthyAsync(FederationHarness.HealthTimeout, CancellationToken.None));
        long back = TimeProvider.System.GetTimestamp();
        Assert.True(await FederationHarness.EventuallyAsync(async () => (await client.RegionMarksAsync()).Applied == 5, Arrival), $"region marks {await client.RegionMarksAsync()}\n{fed.Logs()}");
        output.WriteLine($"4 missed changes applied and seen by the region {TimeProvider.System.GetElapsedTime(back).TotalSeconds:0.0} s after the site was healthy again");
        for (int node = 0; node < fed.Site.Count; node++)
        {
            int n = node;
            Assert.True(await FederationHarness.EventuallyAsync(async () => await client.AppliedSequenceAsync(n) == 5, Arrival), $"node {n + 1} applied {await client.AppliedSequenceAsync(n)}\n{fed.Logs()}");
            Assert.Equal(("half", 3UL), await client.SiteValueAsync(n, "desired/valve"));
            Assert.True(await client.SiteAbsentAsync(n, "desired/rate"), $"node {n + 1} still holds desired/rate");
        }

        Assert.True(
            await FederationHarness.EventuallyAsync(async () => await fed.RegionValueAsync("desired/valve") is { } v && Encoding.UTF8.GetString(v) == "half", Arrival),
            $"region never merged desired/valve = half\n{fed.Logs()}");
        Assert.Null(await fed.RegionValueAsync("desired/rate"));
        Assert.Equal((5UL, 0UL), await client.RegionMarksAsync());
    }
}
