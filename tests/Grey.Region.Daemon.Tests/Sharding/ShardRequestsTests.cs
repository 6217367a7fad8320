using Grey.Region.Daemon.Nats;
using Grey.Region.Daemon.Sharding;

namespace Grey.Region.Daemon.Tests.Sharding;

public sealed class ShardRequestsTests
{
    [Fact]
    public async Task Filter_OtherShardsSite_NoReplyAndHandlerNotCalled()
    {
        var asked = new List<string>();
        RegionRequestHandler handler = (kind, site, payload, ct) =>
        {
            asked.Add(site);
            return ValueTask.FromResult<byte[]?>([1]);
        };
        RegionRequestHandler filtered = ShardRequests.Filter(handler, new ShardAssignment(0, 2))!;

        Assert.NotNull(await filtered(RegionRequestKind.Enroll, "plant-7", Array.Empty<byte>(), CancellationToken.None));
        Assert.Null(await filtered(RegionRequestKind.Attest, "site-a", Array.Empty<byte>(), CancellationToken.None));
        Assert.Equal(["plant-7"], asked);
    }

    [Fact]
    public void Filter_SingleShardOrNoHandler_Unchanged()
    {
        RegionRequestHandler handler = (_, _, _, _) => ValueTask.FromResult<byte[]?>(null);
        Assert.Same(handler, ShardRequests.Filter(handler, ShardAssignment.Single));
        Assert.Null(ShardRequests.Filter(null, new ShardAssignment(1, 2)));
    }

    [Fact]
    public void Naming_ShardsGetOwnConsumerClientIdAndSharedStream()
    {
        var limits = new NatsTransportLimits();
        Assert.Same(limits, ShardNaming.Nats(limits, "r1", ShardAssignment.Single));
        Assert.Equal("grey-region-r1", ShardNaming.MqttClientId("r1", ShardAssignment.Single));
        NatsTransportLimits one = ShardNaming.Nats(limits, "r1", new ShardAssignment(1, 3));
        Assert.Equal("grey-region-r1-shard-1", one.ConsumerName);
        Assert.True(one.SharedStream);
        Assert.Equal("grey-region-r1-shard-2", ShardNaming.MqttClientId("r1", new ShardAssignment(2, 3)));
    }
}
