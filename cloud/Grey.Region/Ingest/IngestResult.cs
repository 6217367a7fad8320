namespace Grey.Region.Ingest;

/// <summary>The outcome of one delta or region delta offered to the region: a value, never an exception.</summary>
public sealed record IngestResult
{
    /// <summary>The status.</summary>
    public required IngestStatus Status { get; init; }

    /// <summary>For <see cref="IngestStatus.Rejected"/>: why.</summary>
    public RejectReason? Reason { get; init; }

    /// <summary>A precise, human-readable detail.</summary>
    public required string Detail { get; init; }

    /// <summary>The site the delta names (the subject's site when it could not be decoded).</summary>
    public string? Site { get; init; }

    /// <summary>The site's epoch, when decoded.</summary>
    public ulong Epoch { get; init; }

    /// <summary>The first index covered, when decoded.</summary>
    public ulong FirstIndex { get; init; }

    /// <summary>The last index covered, when decoded.</summary>
    public ulong LastIndex { get; init; }

    /// <summary>The merged index of the site epoch after this delta.</summary>
    public ulong MergedIndex { get; init; }

    /// <summary>Operations applied by this delta.</summary>
    public int OperationsApplied { get; init; }

    /// <summary>Operations skipped because they break key ownership (DESIGN G6).</summary>
    public int OwnershipSkips { get; init; }

    /// <summary>Held deltas that became contiguous and were merged after this one.</summary>
    public int Released { get; init; }

    /// <summary>For <see cref="IngestStatus.Gap"/>: the NAK to send.</summary>
    public Nak? Nak { get; init; }

    /// <summary>For <see cref="IngestStatus.Gap"/>: false when the hold was full and the delta was dropped.</summary>
    public bool Held { get; init; }

    /// <summary>
    /// For <see cref="RejectReason.NodeRevoked"/>: the revoked signer's node id, so the host can republish its
    /// revocation notice (the site evidently missed it).
    /// </summary>
    public string? RevokedSigner { get; init; }
}
