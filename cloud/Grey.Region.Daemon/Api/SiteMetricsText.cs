using System.Globalization;
using System.Text;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Quotas;

namespace Grey.Region.Daemon.Api;

/// <summary>The per-site quota metrics and the shard filter's counters in <c>GET /metrics</c>.</summary>
internal static class SiteMetricsText
{
    /// <summary>Appends them: one series per metered site (bounded by the quota's site bound).</summary>
    public static void Render(StringBuilder sb, RegionDaemon daemon)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(daemon);
        IReadOnlyList<SiteQuotaStatus> sites = daemon.Host.QuotaStatuses();
        sb.Append("# HELP grey_region_site_throttled Whether the site is over its quota now (its acknowledgement held or its bucket in debt).\n# TYPE grey_region_site_throttled gauge\n");
        foreach (SiteQuotaStatus s in sites)
        {
            sb.Append(CultureInfo.InvariantCulture, $"grey_region_site_throttled{{site=\"{s.Site}\"}} {(s.Throttled ? 1 : 0)}\n");
        }

        sb.Append("# HELP grey_region_acks_delayed_total Acknowledgements held because the site was over its quota.\n# TYPE grey_region_acks_delayed_total counter\n");
        foreach (SiteQuotaStatus s in sites)
        {
            sb.Append(CultureInfo.InvariantCulture, $"grey_region_acks_delayed_total{{site=\"{s.Site}\"}} {s.AcksDelayed}\n");
        }

        sb.Append("# HELP grey_region_ack_delay_seconds_total Time the site's acknowledgements were held, in seconds.\n# TYPE grey_region_ack_delay_seconds_total counter\n");
        foreach (SiteQuotaStatus s in sites)
        {
            sb.Append(CultureInfo.InvariantCulture, $"grey_region_ack_delay_seconds_total{{site=\"{s.Site}\"}} {s.DelaySecondsTotal:0.###}\n");
        }

        if (daemon.ShardFilter is { } filter)
        {
            sb.Append(CultureInfo.InvariantCulture, $"# HELP grey_region_shard_foreign_settled_total Deltas of other shards' sites settled without processing.\n# TYPE grey_region_shard_foreign_settled_total counter\ngrey_region_shard_foreign_settled_total {filter.ForeignSettled}\n");
            sb.Append(CultureInfo.InvariantCulture, $"# HELP grey_region_shard_foreign_settle_failures_total Settlements of other shards' deltas that failed (delivered and settled again).\n# TYPE grey_region_shard_foreign_settle_failures_total counter\ngrey_region_shard_foreign_settle_failures_total {filter.ForeignSettleFailures}\n");
            sb.Append(CultureInfo.InvariantCulture, $"# HELP grey_region_shard_foreign_signals_total Status reports of other shards' sites dropped.\n# TYPE grey_region_shard_foreign_signals_total counter\ngrey_region_shard_foreign_signals_total {filter.ForeignSignals}\n");
        }
    }
}
