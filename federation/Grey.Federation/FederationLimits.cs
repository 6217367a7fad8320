namespace Grey.Federation;

/// <summary>
/// Every size and count the federation formats accept. Decoders refuse anything beyond these limits
/// before allocating for it, so that a hostile or corrupt message costs at most its own length to reject.
/// </summary>
public static class FederationLimits
{
    /// <summary>Largest canonical delta (site or checkpoint) in bytes: 8 MiB, enough for a folded site state.</summary>
    public const int MaxDeltaBytes = 8 * 1024 * 1024;

    /// <summary>Largest CMS SignedData accepted in an envelope; the one accepted profile is about 180 bytes.</summary>
    public const int MaxSignedDataBytes = 1024;

    /// <summary>Largest signed envelope on the wire or in a file (also the cap on decompressed size).</summary>
    public const int MaxEnvelopeBytes = MaxDeltaBytes + MaxSignedDataBytes + 64;

    /// <summary>Largest encoded region state (a region delta); regions exchange whole states, so this is larger.</summary>
    public const int MaxRegionStateBytes = 256 * 1024 * 1024;

    /// <summary>Most data entries in one site delta.</summary>
    public const int MaxEntriesPerDelta = 65_536;

    /// <summary>Most operations in one data entry (one Raft command).</summary>
    public const int MaxOperationsPerEntry = 1_024;

    /// <summary>Most operations in one site delta, summed over its entries.</summary>
    public const int MaxOperationsPerDelta = 262_144;

    /// <summary>Most items (registers, counter slots, set elements, tags, progress rows) in one encoded state.</summary>
    public const int MaxStateItems = 4 * 1024 * 1024;

    /// <summary>Longest key in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 256;

    /// <summary>Largest register value in bytes.</summary>
    public const int MaxValueBytes = 64 * 1024;

    /// <summary>Longest set element in UTF-8 bytes.</summary>
    public const int MaxElementBytes = 256;

    /// <summary>Most tags one set-remove operation names.</summary>
    public const int MaxTagsPerRemove = 1_024;

    /// <summary>Size of every hash in the formats (SHA-256).</summary>
    public const int HashBytes = 32;

    /// <summary>Longest subject key identifier accepted in a signer reference.</summary>
    public const int MaxKeyIdBytes = 64;
}
