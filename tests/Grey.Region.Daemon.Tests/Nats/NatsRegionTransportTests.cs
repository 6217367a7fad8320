using Grey.Region.Daemon.Nats;
using Grey.Region.Daemon.Sharding;
using Grey.Region.Daemon.Tests.Support;
using NATS.Client.Core;

namespace Grey.Region.Daemon.Tests.Nats;

/// <summary>
/// The NATS transport's request path over a real nats-server: with several regions on one broker, a region answers
/// only enrollment and attestation requests whose Grey-Region header names it (or that carry no header), and the
/// shard filter still decides among the processes of one region.
/// </summary>
public sealed class NatsRegionTransportTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ServeRequests_TwoRegionsOneBroker_EachAnswersOnlyRequestsNamingIt()
    {
        await using var c1 = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
        await using var c2 = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
        await using NatsRegionTransport t1 = await NatsRegionTransport.StartAsync(c1, "scope-r1", [], new NatsTransportLimits(), Handler("scope-r1"), CancellationToken.None);
        await using NatsRegionTransport t2 = await NatsRegionTransport.StartAsync(c2, "scope-r2", [], new NatsTransportLimits(), Handler("scope-r2"), CancellationToken.None);
        await using var site = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });

        // Each request is answered by the named region alone: several times, so a region that also answered would win
        // some of the races and show up here.
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("scope-r1:enroll:site-a", await RequestAsync(site, "grey.enroll.site-a", "scope-r1", Answer));
            Assert.Equal("scope-r2:attest:site-b", await RequestAsync(site, "grey.attest.site-b", "scope-r2", Answer));
        }

        // The silent region's count can trail the other's reply by a moment.
        await WaitUntilAsync(() => t1.RequestsForOtherRegions == 5 && t2.RequestsForOtherRegions == 5);

        // Naming a region that is not on the broker: nobody answers.
        Assert.Null(await RequestAsync(site, "grey.enroll.site-c", "scope-r3", Silence));
        await WaitUntilAsync(() => t1.RequestsForOtherRegions == 6 && t2.RequestsForOtherRegions == 6);
    }

    [Fact]
    public async Task ServeRequests_NoHeader_AnsweredAsBefore()
    {
        await using var c1 = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
        await using NatsRegionTransport t1 = await NatsRegionTransport.StartAsync(c1, "scope-old", [], new NatsTransportLimits(), Handler("scope-old"), CancellationToken.None);
        await using var site = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });

        Assert.Equal("scope-old:enroll:site-old", await RequestAsync(site, "grey.enroll.site-old", region: null, Answer));
        Assert.Equal(0, t1.RequestsForOtherRegions);
    }

    [Fact]
    public async Task ServeRequests_ShardedRegion_RegionScopeAndShardFilterBothApply()
    {
        // Two shards of one region and a second region, all on one broker. The site below belongs to exactly one shard.
        string site = "plant-7";
        var shard0 = new ShardAssignment(0, 2);
        var shard1 = new ShardAssignment(1, 2);
        ShardAssignment owner = shard0.Owns(site) ? shard0 : shard1;
        await using var c0 = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
        await using var c1 = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
        await using var cx = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
        var limits = new NatsTransportLimits();
        await using NatsRegionTransport s0 = await NatsRegionTransport.StartAsync(c0, "scope-sh", [], ShardNaming.Nats(limits, "scope-sh", shard0),
            ShardRequests.Filter(Handler("shard-0"), shard0), CancellationToken.None);
        await using NatsRegionTransport s1 = await NatsRegionTransport.StartAsync(c1, "scope-sh", [], ShardNaming.Nats(limits, "scope-sh", shard1),
            ShardRequests.Filter(Handler("shard-1"), shard1), CancellationToken.None);
        await using NatsRegionTransport other = await NatsRegionTransport.StartAsync(cx, "scope-ot", [], limits, Handler("scope-ot"), CancellationToken.None);
        await using var edge = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });

        string expected = (owner == shard0 ? "shard-0" : "shard-1") + ":attest:" + site;
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(expected, await RequestAsync(edge, "grey.attest." + site, "scope-sh", Answer));
        }

        Assert.Equal("scope-ot:attest:" + site, await RequestAsync(edge, "grey.attest." + site, "scope-ot", Answer));
        await WaitUntilAsync(() => s0.RequestsForOtherRegions == 1 && s1.RequestsForOtherRegions == 1 && other.RequestsForOtherRegions == 3);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }

    // Answers "<name>:<kind>:<site>".
    private static RegionRequestHandler Handler(string name) => (kind, site, _, _) =>
        ValueTask.FromResult<byte[]?>(System.Text.Encoding.UTF8.GetBytes($"{name}:{(kind == RegionRequestKind.Enroll ? "enroll" : "attest")}:{site}"));

    // The reply's text, or null when nobody answered within the timeout.
    private static async Task<string?> RequestAsync(NatsConnection site, string subject, string? region, TimeSpan timeout)
    {
        NatsHeaders? headers = region is null ? null : new NatsHeaders { ["Grey-Region"] = region };
        try
        {
            NatsMsg<byte[]> reply = await site.RequestAsync<byte[], byte[]>(subject, [1, 2, 3], headers: headers,
                replyOpts: new NatsSubOpts { Timeout = timeout, ThrowIfNoResponders = true });
            return reply.Data is { } d ? System.Text.Encoding.UTF8.GetString(d) : null;
        }
        catch (NatsNoReplyException)
        {
            return null;
        }
    }
}
