namespace Grey.Region.Registry;

/// <summary>Where a node stands for merging, as the registry sees it now.</summary>
public enum NodeAttestation
{
    /// <summary>A passing attestation result naming its delta-signing key, not yet expired.</summary>
    Passing = 0,

    /// <summary>No passing result was ever applied for its current key.</summary>
    None = 1,

    /// <summary>Its latest passing result has expired.</summary>
    Expired = 2,
}
