using Grey.Region.Ingest;

namespace Grey.Region.Quarantine;

/// <summary>One refused message kept for inspection: why, from where, when, and its bytes (never merged).</summary>
public sealed record QuarantineItem(
    ulong Id,
    RejectReason Reason,
    string Detail,
    string? Site,
    DateTimeOffset ReceivedAt,
    byte[] Bytes,
    bool Truncated);
