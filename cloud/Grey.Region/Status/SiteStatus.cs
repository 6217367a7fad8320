using Grey.Region.Registry;

namespace Grey.Region.Status;

/// <summary>
/// One site as the region sees it (<c>GET /v1/sites/{site}</c>): the merged index of its latest epoch, the lag
/// behind the committed index the site last reported (null when unknown), when a delta of it was last seen,
/// and the attestation state of its nodes.
/// </summary>
public sealed record SiteStatus(
    string Site,
    ulong Epoch,
    ulong MergedIndex,
    ulong? ReportedCommittedIndex,
    ulong? Lag,
    DateTimeOffset? LastSeen,
    IReadOnlyList<NodeView> Nodes);
