namespace Grey.Region.Ingest;

/// <summary>Why the region refused a delta (or a region delta). Each goes to the quarantine and its own metric.</summary>
public enum RejectReason
{
    /// <summary>Beyond a size or count limit.</summary>
    TooLarge = 1,

    /// <summary>Not a well-formed signed delta.</summary>
    Malformed = 2,

    /// <summary>A format version this build does not read.</summary>
    UnsupportedVersion = 3,

    /// <summary>The delta names another home region than this one.</summary>
    WrongRegion = 4,

    /// <summary>No enrolled node has the signer's key id (a forged or unenrolled key).</summary>
    SignerUnknown = 5,

    /// <summary>The signer's node belongs to another site than the delta names.</summary>
    SignerNotOfSite = 6,

    /// <summary>The transport subject or topic names another site than the delta.</summary>
    SubjectMismatch = 7,

    /// <summary>The signer's node has no passing attestation result naming this key.</summary>
    AttestationMissing = 8,

    /// <summary>The signer's latest attestation result has expired.</summary>
    AttestationExpired = 9,

    /// <summary>The signer's node is revoked, banned or disabled.</summary>
    NodeRevoked = 10,

    /// <summary>The signature does not verify with the signer's certificate.</summary>
    SignatureInvalid = 11,

    /// <summary>The chain hashes do not continue the merged chain, or do not match the delta's entries.</summary>
    ChainBroken = 12,

    /// <summary>A region delta from a region that is not a configured peer, or signed by another key.</summary>
    PeerUnknown = 13,
}
