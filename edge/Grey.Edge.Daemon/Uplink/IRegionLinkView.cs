using System.Text;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>
/// What the API host sees of the region link: the status section and the metrics lines. No NATS or attestation
/// type appears here, so a standalone daemon (no <c>--region</c>) never touches that code.
/// </summary>
internal interface IRegionLinkView
{
    /// <summary>The <c>uplink</c> section of GET /v1/status.</summary>
    UplinkStatus Status();

    /// <summary>Appends the outbox, uplink and attestation metrics in the Prometheus text format.</summary>
    void AppendMetrics(StringBuilder sb);
}
