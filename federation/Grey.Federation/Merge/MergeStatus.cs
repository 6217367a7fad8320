namespace Grey.Federation.Merge;

/// <summary>What became of one delta offered to a region. Every status but <see cref="Applied"/> and <see cref="Duplicate"/> leaves the state untouched.</summary>
public enum MergeStatus
{
    /// <summary>Merged (the part already merged skipped); acknowledge it.</summary>
    Applied = 0,

    /// <summary>Already merged entirely; count it and acknowledge it again, never merge it twice.</summary>
    Duplicate = 1,

    /// <summary>Arrived ahead of a missing range: held (bounded) until the range arrives, or dropped when the hold is full.</summary>
    Gap = 2,

    /// <summary>Its chain hashes do not continue the merged chain, or do not match its own entries.</summary>
    ChainBroken = 3,

    /// <summary>The signature does not verify with the signer's certificate.</summary>
    SignatureInvalid = 4,

    /// <summary>No certificate is known for the signer's key id.</summary>
    SignerUnknown = 5,

    /// <summary>The signer belongs to another site than the delta (or the transport subject) names.</summary>
    SignerNotOfSite = 6,

    /// <summary>Beyond a size or count limit.</summary>
    TooLarge = 7,

    /// <summary>A format version this build does not read.</summary>
    UnsupportedVersion = 8,

    /// <summary>Not a well-formed signed delta.</summary>
    Malformed = 9,
}
