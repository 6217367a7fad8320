using System.Security.Cryptography.X509Certificates;
using Grey.Region.Daemon.Nats;
using Grey.Region.Daemon.Tests.Support;

namespace Grey.Region.Daemon.Tests.Mqtt;

/// <summary>
/// The MQTT transport's request path over a real mosquitto with two regions subscribed to <c>grey/enroll/+</c> and
/// <c>grey/attest/+</c>: each answers only requests whose Grey-Region user property names it, or that carry none.
/// </summary>
public sealed class MqttRegionRequestScopeTests(MqttRegionFixture f) : IClassFixture<MqttRegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("mqtt-scope");

    [Fact]
    public async Task ServeRequests_TwoRegionsOneBroker_OnlyTheNamedRegionAnswers()
    {
        await using MqttRegionRun r1 = await f.StartRegionAsync("ms-r1", f.NewFolder(), Cert, await f.AdmittedRegistryAsync(), requests: Handler("ms-r1"));
        await using MqttRegionRun r2 = await f.StartRegionAsync("ms-r2", f.NewFolder(), Cert, await f.AdmittedRegistryAsync(), requests: Handler("ms-r2"));
        await using MqttSiteClient site = await MqttSiteClient.StartAsync(f.Broker, "site-s");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        byte[] correlation = new byte[16];
        await site.PublishRequestAsync("grey/enroll/site-s", [1], "grey/reply/site-s/n1", correlation, region: "ms-r2");
        Assert.Equal("ms-r2:site-s", System.Text.Encoding.UTF8.GetString(await site.Replies.Reader.ReadAsync(timeout.Token)));
        await site.PublishRequestAsync("grey/attest/site-s", [2], "grey/reply/site-s/n1", correlation, region: "ms-r1");
        Assert.Equal("ms-r1:site-s", System.Text.Encoding.UTF8.GetString(await site.Replies.Reader.ReadAsync(timeout.Token)));
        await WaitUntilAsync(() => r1.Transport.RequestsForOtherRegions == 1 && r2.Transport.RequestsForOtherRegions == 1);

        // No property (an edge not yet upgraded): both answer, as before this change.
        await site.PublishRequestAsync("grey/enroll/site-s", [3], "grey/reply/site-s/n1", correlation);
        string[] both = [
            System.Text.Encoding.UTF8.GetString(await site.Replies.Reader.ReadAsync(timeout.Token)),
            System.Text.Encoding.UTF8.GetString(await site.Replies.Reader.ReadAsync(timeout.Token)),
        ];
        Assert.Equal(["ms-r1:site-s", "ms-r2:site-s"], both.Order(StringComparer.Ordinal));

        // Nothing else arrives: no region answered a request naming the other one.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(site.Replies.Reader.TryRead(out _));
        Assert.Equal(1, r1.Transport.RequestsForOtherRegions);
        Assert.Equal(1, r2.Transport.RequestsForOtherRegions);
    }

    private static RegionRequestHandler Handler(string name) => (_, site, _, _) =>
        ValueTask.FromResult<byte[]?>(System.Text.Encoding.UTF8.GetBytes($"{name}:{site}"));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }
}
