using Grey.Region.Daemon.Nats;

namespace Grey.Region.Daemon.Sharding;

/// <summary>
/// Enrollment and attestation in a sharded region: every process subscribes to <c>grey.enroll.*</c> and
/// <c>grey.attest.*</c> (or their MQTT topics), and only the shard owning the site answers; the others send no
/// reply at all, so a node is enrolled and attested by exactly the process that will verify its deltas.
/// </summary>
internal static class ShardRequests
{
    /// <summary>Wraps <paramref name="handler"/> so that requests of other shards' sites get no reply (null).</summary>
    public static RegionRequestHandler? Filter(RegionRequestHandler? handler, ShardAssignment shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (handler is null || !shard.IsSharded)
        {
            return handler;
        }

        return (kind, site, payload, cancellationToken) => shard.Owns(site) ? handler(kind, site, payload, cancellationToken) : ValueTask.FromResult<byte[]?>(null);
    }
}
