using System.Globalization;
using Grey.Region.Daemon.Nats;

namespace Grey.Region.Daemon.Sharding;

/// <summary>
/// The broker-side names of a shard. A single process keeps the historic names (consumer and MQTT client id
/// <c>grey-region-&lt;region&gt;</c>, a work-queue stream). Shards each get their own durable consumer
/// <c>grey-region-&lt;region&gt;-shard-&lt;I&gt;</c> and MQTT client id (so their own session), and the region's one stream
/// is kept with interest retention: a delta leaves it once every shard's consumer settled it (a work queue refuses
/// overlapping consumers, and one shard's settlement would remove the delta before its owner saw it).
/// </summary>
internal static class ShardNaming
{
    /// <summary>The JetStream consumer of this shard.</summary>
    public static string ConsumerName(string region, ShardAssignment shard) =>
        shard.IsSharded ? NatsSubjects.ConsumerName(region) + "-shard-" + shard.Index.ToString(CultureInfo.InvariantCulture) : NatsSubjects.ConsumerName(region);

    /// <summary>The MQTT client id (and so the persistent session) of this shard.</summary>
    public static string MqttClientId(string region, ShardAssignment shard) =>
        shard.IsSharded ? "grey-region-" + region + "-shard-" + shard.Index.ToString(CultureInfo.InvariantCulture) : "grey-region-" + region;

    /// <summary>The NATS limits for this shard: its own consumer, and a shared (interest) stream when sharded.</summary>
    public static NatsTransportLimits Nats(NatsTransportLimits limits, string region, ShardAssignment shard)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return shard.IsSharded ? limits with { ConsumerName = ConsumerName(region, shard), SharedStream = true } : limits;
    }
}
