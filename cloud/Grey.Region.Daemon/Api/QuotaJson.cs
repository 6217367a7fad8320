using Grey.Region.Daemon.Sharding;
using Grey.Region.Quotas;
using Microsoft.AspNetCore.Http;

namespace Grey.Region.Daemon.Api;

/// <summary>The quota part of a site's status in the API, and the answer for a site another shard serves.</summary>
internal static class QuotaJson
{
    /// <summary>
    /// Adds <c>quota</c> to a site's JSON: <c>throttled</c>, <c>acks_delayed</c>, <c>delay_seconds_total</c>,
    /// <c>held_ack_index</c>, <c>deltas_per_s</c>, <c>bytes_per_s</c> (0 unlimited); null when the site is not metered.
    /// </summary>
    public static Dictionary<string, object?> Add(Dictionary<string, object?> site, SiteQuotaStatus? status)
    {
        ArgumentNullException.ThrowIfNull(site);
        site["quota"] = status is null ? null : new Dictionary<string, object?>
        {
            ["throttled"] = status.Throttled,
            ["acks_delayed"] = status.AcksDelayed,
            ["delay_seconds_total"] = Math.Round(status.DelaySecondsTotal, 3),
            ["held_ack_index"] = status.HeldAckIndex,
            ["deltas_per_s"] = status.Quota.DeltasPerSecond,
            ["bytes_per_s"] = status.Quota.BytesPerSecond,
        };
        return site;
    }

    /// <summary>421 <c>other-shard</c> when <paramref name="site"/> belongs to another shard of this region; null when it is this one's.</summary>
    public static IResult? OtherShard(ShardAssignment shard, string site)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (shard.Owns(site))
        {
            return null;
        }

        int owner = ShardAssignment.ShardOf(site, shard.Count);
        return RegionApi.Error(StatusCodes.Status421MisdirectedRequest, "other-shard", $"site {site} is served by shard {owner}/{shard.Count} of this region, not by this process ({shard})");
    }
}
