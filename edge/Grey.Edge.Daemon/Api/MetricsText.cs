using System.Globalization;
using System.Text;
using Grey.Edge.Daemon.Hosting;
using Grey.Edge.Node;

namespace Grey.Edge.Daemon.Api;

/// <summary>Renders the node's metrics in the Prometheus text format (version 0.0.4).</summary>
internal static class MetricsText
{
    /// <summary>The node's metrics, and the plaintext API port's when there is one (none over TLS).</summary>
    public static string Render(EdgeNode node, ApiPort? port = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        var m = node.Metrics;
        var raft = node.RaftStatus;
        var sb = new StringBuilder();
        Histogram(sb, "grey_edge_commit_latency_seconds", "Time from proposal to apply of writes proposed on this node.", m.CommitLatency);
        Histogram(sb, "grey_edge_fsync_latency_seconds", "Time of each synced WAL append (one group commit).", m.FsyncLatency);
        Counter(sb, "grey_edge_proposals_total", "Writes proposed on this node as leader.", m.Proposals);
        Counter(sb, "grey_edge_proposals_failed_total", "Writes that did not apply (dropped, overloaded, unknown outcome).", m.ProposalsFailed);
        Counter(sb, "grey_edge_forwarded_total", "Writes forwarded to the leader.", m.Forwarded);
        Counter(sb, "grey_edge_elections_total", "Elections this node started.", m.Elections);
        Counter(sb, "grey_edge_leader_changes_total", "Leader changes seen.", m.LeaderChanges);
        Counter(sb, "grey_edge_reads_linearizable_total", "ReadIndex reads served.", m.ReadsLinearizable);
        Counter(sb, "grey_edge_snapshots_total", "Snapshots taken.", m.Snapshots);
        Counter(sb, "grey_edge_wal_fsyncs_total", "WAL fsyncs.", node.Storage.Log.FsyncCount);
        Counter(sb, "grey_edge_wal_group_commits_total", "WAL group commits.", node.Storage.Log.GroupCount);
        Gauge(sb, "grey_edge_wal_bytes", "Bytes in the WAL segment files.", WalBytes(node));
        Gauge(sb, "grey_edge_wal_segments", "WAL segment files.", node.Storage.Log.Segments.Count);
        Gauge(sb, "grey_edge_term", "Current Raft term.", (long)(raft?.Term ?? 0));
        Gauge(sb, "grey_edge_commit_index", "Commit index.", (long)(raft?.Commit ?? 0));
        Gauge(sb, "grey_edge_applied_index", "Applied index.", (long)(raft?.Applied ?? 0));
        Gauge(sb, "grey_edge_is_leader", "1 when this node leads.", node.IsLeader ? 1 : 0);
        Gauge(sb, "grey_edge_can_commit", "1 when this node can commit a write.", node.CanCommit ? 1 : 0);
        if (port is not null)
        {
            Counter(sb, "grey_edge_api_connections_refused_total", "API connections closed at once: too many still silent, or Kestrel not taking them.", port.Refused);
        }

        return sb.ToString();
    }

    private static long WalBytes(EdgeNode node)
    {
        long total = 0;
        foreach (var segment in node.Storage.Log.Segments)
        {
            try
            {
                total += new FileInfo(segment.Path).Length;
            }
            catch (IOException)
            {
                // A segment deleted by compaction meanwhile.
            }
        }

        return total;
    }

    private static void Counter(StringBuilder sb, string name, string help, long value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");

    private static void Gauge(StringBuilder sb, string name, string help, long value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");

    private static void Histogram(StringBuilder sb, string name, string help, LatencyHistogram h)
    {
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
        var cumulative = h.Cumulative();
        for (var i = 0; i < LatencyHistogram.Bounds.Length; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{LatencyHistogram.Bounds[i]}\"}} {cumulative[i]}\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\"}} {cumulative[^1]}\n{name}_sum {h.SumSeconds}\n{name}_count {cumulative[^1]}\n");
    }
}
