using System.Globalization;
using System.Text;
using Grey.Edge.Outbox;
using Grey.Edge.Uplink;
using Grey.Edge.Uplink.Mqtt;
using Grey.Edge.Uplink.Nats;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>
/// The outbox, uplink and attestation metrics appended to <c>/metrics</c> with <c>--region</c> (Prometheus text
/// 0.0.4). <c>grey_edge_uplink_connected</c> is the uplink the outbox uses (either link, with failover); the other
/// <c>grey_edge_uplink_*</c> counters are the NATS uplink's (their names predate MQTT), <c>grey_edge_mqtt_*</c>
/// the MQTT uplink's, <c>grey_edge_failover_*</c> the failover pair's.
/// </summary>
internal static class RegionMetricsText
{
    public static void Append(StringBuilder sb, OutboxSnapshot s, IUplink uplink, NatsUplink? nats, MqttUplink? mqtt, DateTimeOffset? resultExpires, DateTimeOffset now, long attestations, long attestationFailures, Grey.Edge.Desired.DesiredMetrics? desired = null)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(uplink);
        Gauge(sb, "grey_edge_outbox_backlog_entries", "Journal entries above the region's acknowledged index (true while offline).", s.BacklogEntries);
        Gauge(sb, "grey_edge_outbox_backlog_bytes", "Journal bytes of those entries.", s.BacklogBytes);
        Gauge(sb, "grey_edge_outbox_oldest_unacked_age_seconds", "Age of the oldest unacknowledged entry.", s.OldestUnackedAge.TotalSeconds);
        Gauge(sb, "grey_edge_outbox_acked_index", "The index the region acknowledged.", s.AckedIndex);
        Gauge(sb, "grey_edge_outbox_journal_tail_index", "The newest journal entry's index.", s.JournalTailIndex);
        Gauge(sb, "grey_edge_outbox_in_flight_deltas", "Deltas published and not yet acknowledged.", s.InFlightDeltas);
        Gauge(sb, "grey_edge_outbox_in_flight_bytes", "Their signed bytes.", s.InFlightBytes);
        Gauge(sb, "grey_edge_outbox_shipping", "1 while this node's outbox ships (leader).", s.IsShipping ? 1 : 0);
        Gauge(sb, "grey_edge_outbox_has_signer", "1 while an attested delta-signing key is available.", s.HasSigner ? 1 : 0);
        Gauge(sb, "grey_edge_outbox_fold_pending", "1 while a checkpoint of folded history awaits its acknowledgement.", s.FoldPending ? 1 : 0);
        Counter(sb, "grey_edge_outbox_folds_total", "Journal folds (budget exceeded or a gap).", s.Folds);
        Counter(sb, "grey_edge_outbox_folded_entries_total", "Entries folded into checkpoints.", s.FoldedEntries);
        Counter(sb, "grey_edge_outbox_journal_gaps_total", "Gaps found in the journal.", s.JournalGaps);
        Counter(sb, "grey_edge_outbox_deltas_shipped_total", "Deltas the broker accepted.", s.DeltasShipped);
        Counter(sb, "grey_edge_outbox_checkpoints_shipped_total", "Checkpoint deltas the broker accepted.", s.CheckpointsShipped);
        Counter(sb, "grey_edge_outbox_bytes_shipped_total", "Signed bytes the broker accepted.", s.BytesShipped);
        Counter(sb, "grey_edge_outbox_resends_total", "Resends from the acknowledged index (link up, ack timeout, NAK).", s.Resends);
        Counter(sb, "grey_edge_outbox_acks_accepted_total", "Region acks verified and recorded.", s.AcksAccepted);
        Counter(sb, "grey_edge_outbox_acks_refused_total", "Region acks refused (signature, chain, content).", s.AcksRefused);
        Counter(sb, "grey_edge_outbox_acks_stale_total", "Repeated or uncheckable acks ignored.", s.AcksStale);
        Counter(sb, "grey_edge_outbox_naks_total", "NAKs acted on.", s.Naks);
        Counter(sb, "grey_edge_outbox_publish_failures_total", "Publishes the broker did not store.", s.PublishFailures);
        Counter(sb, "grey_edge_outbox_revocations_total", "Revocation notices acted on.", s.Revocations);
        if (desired is not null)
        {
            AppendDesired(sb, s, desired);
        }

        Gauge(sb, "grey_edge_uplink_connected", "1 while the link to the broker is up.", uplink.IsConnected ? 1 : 0);
        if (nats is not null)
        {
            AppendNats(sb, nats);
        }

        if (mqtt is not null)
        {
            AppendMqtt(sb, mqtt);
        }

        if (uplink is FailoverUplink failover)
        {
            Gauge(sb, "grey_edge_failover_preferred_active", "1 while the preferred uplink (NATS) carries the deltas.", failover.Active == nats ? 1 : 0);
            Counter(sb, "grey_edge_failover_failovers_total", "Times the preferred uplink's circuit opened.", failover.Failovers);
            Counter(sb, "grey_edge_failover_failbacks_total", "Times it closed again.", failover.Failbacks);
            Counter(sb, "grey_edge_failover_carried_by_fallback_total", "Deltas the fallback (MQTT) stored.", failover.CarriedByFallback);
        }

        Gauge(sb, "grey_edge_attestation_valid", "1 while this node holds an unexpired attestation result.", resultExpires is { } e && e > now ? 1 : 0);        Gauge(sb, "grey_edge_attestation_expires_in_seconds", "Seconds until the attestation result expires (0 when none).", resultExpires is { } x && x > now ? (x - now).TotalSeconds : 0);
        Counter(sb, "grey_edge_attestations_total", "Enrollments and attestations that succeeded since start.", attestations);
        Counter(sb, "grey_edge_attestation_failures_total", "Enrollment or attestation attempts that failed since start.", attestationFailures);
    }

    private static void AppendNats(StringBuilder sb, NatsUplink uplink)
    {
        var m = uplink.Metrics;
        Counter(sb, "grey_edge_uplink_deltas_accepted_total", "Deltas the broker stored.", m.DeltasAccepted);
        Counter(sb, "grey_edge_uplink_deltas_duplicate_total", "Deltas the broker already had (same Nats-Msg-Id).", m.DeltasDuplicate);
        Counter(sb, "grey_edge_uplink_deltas_unavailable_total", "Delta publishes that found no link or no answer.", m.DeltasUnavailable);
        Counter(sb, "grey_edge_uplink_deltas_rejected_total", "Delta publishes refused for good.", m.DeltasRejected);
        Counter(sb, "grey_edge_uplink_delta_payload_bytes_total", "Signed envelope bytes of stored deltas.", m.DeltaPayloadBytes);
        Counter(sb, "grey_edge_uplink_delta_wire_bytes_total", "Bytes on the wire of every delta publish attempt (HPUB line, headers, payload).", m.DeltaWireBytes);
        Counter(sb, "grey_edge_uplink_publish_retries_total", "Publish attempts after the first.", m.PublishRetries);
        Counter(sb, "grey_edge_uplink_breaker_opened_total", "Times the circuit breaker opened.", m.BreakerOpened);
        Counter(sb, "grey_edge_uplink_reports_total", "Status reports sent.", m.ReportsSent);
        Counter(sb, "grey_edge_uplink_requests_total", "Enrollment and attestation requests sent.", m.RequestsSent);
        Counter(sb, "grey_edge_uplink_requests_failed_total", "Requests without a reply.", m.RequestsFailed);
        Counter(sb, "grey_edge_uplink_inbound_total", "Acks, NAKs and notices received.", m.InboundReceived);
        Counter(sb, "grey_edge_uplink_inbound_oversized_total", "Inbound messages dropped for size.", m.InboundOversized);
        Counter(sb, "grey_edge_uplink_inbound_dropped_total", "Inbound messages dropped because the outbox fell behind.", uplink.InboundDropped);
        Counter(sb, "grey_edge_uplink_link_ups_total", "Link-up events (first connect included).", m.LinkUps);
        Counter(sb, "grey_edge_uplink_link_downs_total", "Link-down events.", m.LinkDowns);
        Counter(sb, "grey_edge_uplink_permission_violations_total", "Permission violations the server reported.", m.PermissionViolations);

    }

    private static void AppendDesired(StringBuilder sb, OutboxSnapshot s, Grey.Edge.Desired.DesiredMetrics d)
    {
        Gauge(sb, "grey_edge_desired_applied_sequence", "The highest desired-change sequence of the home region the site applied (replicated).", s.DesiredAppliedSequence);
        Counter(sb, "grey_edge_desired_applied_total", "Desired changes this node proposed that applied.", d.Applied);
        Counter(sb, "grey_edge_desired_duplicates_total", "Desired changes already applied when they arrived.", d.Duplicates);
        Counter(sb, "grey_edge_desired_gaps_total", "Desired changes ahead of the next sequence (ignored; the region resends in order).", d.Gaps);
        Counter(sb, "grey_edge_desired_not_leader_total", "Desired changes received while not the leader (ignored).", d.NotLeader);
        Counter(sb, "grey_edge_desired_proposal_failures_total", "Desired-change proposals that reached no outcome (the change comes again).", d.ProposalFailures);
        const string name = "grey_edge_desired_refused_total";
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} Desired changes refused, by reason.\n# TYPE {name} counter\n");
        foreach (var reason in Enum.GetValues<Grey.Edge.Desired.DesiredRefusal>())
        {
            if (reason != Grey.Edge.Desired.DesiredRefusal.None)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{name}{{reason=\"{ReasonLabel(reason)}\"}} {d.Refused(reason)}\n");
            }
        }
    }

    private static string ReasonLabel(Grey.Edge.Desired.DesiredRefusal reason) => reason switch
    {
        Grey.Edge.Desired.DesiredRefusal.NoTrust => "no_trust",
        Grey.Edge.Desired.DesiredRefusal.Signature => "signature",
        Grey.Edge.Desired.DesiredRefusal.Malformed => "malformed",
        Grey.Edge.Desired.DesiredRefusal.WrongSite => "wrong_site",
        Grey.Edge.Desired.DesiredRefusal.WrongRegion => "wrong_region",
        _ => "other",
    };

    private static void AppendMqtt(StringBuilder sb, MqttUplink uplink)
    {
        var m = uplink.Metrics;
        Gauge(sb, "grey_edge_mqtt_connected", "1 while the link to the MQTT broker is up.", uplink.IsConnected ? 1 : 0);
        Counter(sb, "grey_edge_mqtt_deltas_accepted_total", "Deltas the MQTT broker acknowledged (PUBACK).", m.DeltasAccepted);
        Counter(sb, "grey_edge_mqtt_deltas_unavailable_total", "Delta publishes that found no link or no PUBACK.", m.DeltasUnavailable);
        Counter(sb, "grey_edge_mqtt_deltas_rejected_total", "Delta publishes refused for good.", m.DeltasRejected);
        Counter(sb, "grey_edge_mqtt_delta_bytes_total", "Signed envelope bytes of acknowledged deltas.", m.DeltaBytes);
        Counter(sb, "grey_edge_mqtt_publish_retries_total", "Publish attempts after the first.", m.PublishRetries);
        Counter(sb, "grey_edge_mqtt_breaker_opened_total", "Times the circuit breaker opened.", m.BreakerOpened);
        Counter(sb, "grey_edge_mqtt_reports_total", "Status reports sent.", m.ReportsSent);
        Counter(sb, "grey_edge_mqtt_requests_total", "Enrollment and attestation requests sent.", m.RequestsSent);
        Counter(sb, "grey_edge_mqtt_requests_failed_total", "Requests without a reply.", m.RequestsFailed);
        Counter(sb, "grey_edge_mqtt_inbound_total", "Acks, NAKs and notices received.", m.InboundReceived);
        Counter(sb, "grey_edge_mqtt_inbound_oversized_total", "Inbound messages dropped for size.", m.InboundOversized);
        Counter(sb, "grey_edge_mqtt_inbound_dropped_total", "Inbound messages dropped because the outbox fell behind.", uplink.InboundDropped);
        Counter(sb, "grey_edge_mqtt_link_ups_total", "Link-up events (first connect included).", m.LinkUps);
        Counter(sb, "grey_edge_mqtt_link_downs_total", "Link-down events.", m.LinkDowns);
        Counter(sb, "grey_edge_mqtt_connect_failures_total", "Connect attempts that failed.", m.ConnectFailures);
    }

    private static void Counter(StringBuilder sb, string name, string help, long value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");

    private static void Gauge(StringBuilder sb, string name, string help, double value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
}
