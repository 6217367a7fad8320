using System.Globalization;
using System.Text;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Hosting;
using Grey.Region.Ingest;
using Grey.Region.Status;

namespace Grey.Region.Daemon.Api;

/// <summary>The Prometheus text exposition of the region's counters and gauges (<c>GET /metrics</c>).</summary>
internal static class MetricsText
{
    /// <summary>Renders every metric.</summary>
    public static string Render(RegionDaemon daemon)
    {
        var sb = new StringBuilder();
        (RegionMetrics m, RegionHostMetrics h, long held, int quarantined, long fsyncs, int nodes, int sites, IReadOnlyDictionary<RejectReason, long> rejected) =
            daemon.Host.Read(core => (core.Metrics, daemon.Host.Metrics, (long)core.HeldCount, core.Quarantine.Count, core.Fsyncs, core.Registry.Count,
                core.GetSites().Count, (IReadOnlyDictionary<RejectReason, long>)new Dictionary<RejectReason, long>(core.Metrics.Rejected)));
        Counter(sb, "grey_region_deltas_merged_total", "Site deltas merged (released ones included).", m.Merged);
        Counter(sb, "grey_region_operations_merged_total", "Operations applied by merged deltas.", m.OperationsMerged);
        Counter(sb, "grey_region_ownership_skips_total", "Operations skipped for breaking key ownership.", m.OwnershipSkips);
        Counter(sb, "grey_region_duplicates_total", "Duplicate deltas (acknowledged again, not merged).", m.Duplicates);
        Counter(sb, "grey_region_gaps_total", "Deltas that arrived ahead of a gap (NAK sent).", m.Gaps);
        Counter(sb, "grey_region_gaps_dropped_total", "Gap deltas dropped because the hold was full.", m.GapsDropped);
        Counter(sb, "grey_region_released_total", "Held deltas merged once their gap closed.", m.Released);
        Counter(sb, "grey_region_acks_total", "Signed acknowledgements produced.", m.Acks);
        Counter(sb, "grey_region_group_commits_total", "Group commits.", m.GroupCommits);
        Counter(sb, "grey_region_checkpoints_total", "Checkpoints written.", m.Checkpoints);
        Counter(sb, "grey_region_region_deltas_joined_total", "Peer region deltas joined.", m.RegionDeltasJoined);
        Counter(sb, "grey_region_quarantine_evictions_total", "Quarantine items evicted to make room.", m.QuarantineEvictions);
        sb.Append("# HELP grey_region_rejected_total Deltas refused, by reason.\n# TYPE grey_region_rejected_total counter\n");
        foreach (RejectReason reason in Enum.GetValues<RejectReason>())
        {
            sb.Append(CultureInfo.InvariantCulture, $"grey_region_rejected_total{{reason=\"{reason.ToCode()}\"}} {rejected.GetValueOrDefault(reason)}\n");
        }

        Counter(sb, "grey_region_deltas_received_total", "Site deltas received from the broker.", h.DeltasReceived);
        Counter(sb, "grey_region_deltas_settled_total", "Site deltas acknowledged to the broker after the flush.", h.DeltasSettled);
        Counter(sb, "grey_region_acks_published_total", "Acknowledgements published.", h.AcksPublished);
        Counter(sb, "grey_region_naks_published_total", "NAKs published.", h.NaksPublished);
        Counter(sb, "grey_region_reports_applied_total", "Site status reports applied.", h.ReportsApplied);
        Counter(sb, "grey_region_reports_refused_total", "Site status reports refused.", h.ReportsRefused);
        Counter(sb, "grey_region_region_deltas_received_total", "Peer region deltas received.", h.RegionDeltasReceived);
        Counter(sb, "grey_region_region_deltas_published_total", "Region deltas of this region published.", h.RegionDeltasPublished);
        Counter(sb, "grey_region_transport_failures_total", "Sends or settlements the transport failed.", h.TransportFailures);
        Counter(sb, "grey_region_reopens_total", "Times the core was reopened from its store after a durable failure.", h.Reopens);
        Counter(sb, "grey_region_fsyncs_total", "File fsyncs of the region store.", fsyncs);
        Counter(sb, "grey_region_signals_dropped_total", "Status reports and region deltas dropped because the loop fell behind.", daemon.Transport?.SignalsDropped ?? 0);
        Counter(sb, "grey_region_consumer_restarts_total", "Times the JetStream consumer was set up again.", daemon.Transport?.ConsumerRestarts ?? 0);
        Counter(sb, "grey_region_enrollment_apply_refusals_total", "Enrolments or results the enrollment service accepted and the registry refused.", daemon.EnrollmentApplyRefusals);
        Gauge(sb, "grey_region_held_deltas", "Gap deltas held now.", held);
        Gauge(sb, "grey_region_quarantine_items", "Items in the quarantine.", quarantined);
        Gauge(sb, "grey_region_nodes", "Enrolled nodes.", nodes);
        Gauge(sb, "grey_region_sites", "Sites known.", sites);
        SiteMetricsText.Render(sb, daemon);
        daemon.Desired?.AppendMetrics(sb);
        Gauge(sb, "grey_region_unsettled_deltas", "Deltas delivered by the broker and not yet settled.", (daemon.Transport?.Unsettled ?? 0) + (daemon.Mqtt?.Unsettled ?? 0));
        return sb.ToString();
    }

    private static void Counter(StringBuilder sb, string name, string help, long value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");

    private static void Gauge(StringBuilder sb, string name, string help, long value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
}
