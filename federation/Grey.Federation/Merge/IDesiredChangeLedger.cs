using Grey.Federation.Messages;

namespace Grey.Federation.Merge;

/// <summary>
/// The desired-state changes regions have issued, by issuing region, target site and sequence number (sequence
/// numbers are per (region, site), contiguous from 1, so two sites' changes share numbers). Every region must
/// answer alike (issued changes are replicated between regions before sites can apply them), or merges of
/// <c>desired/...</c> operations would differ between regions.
/// </summary>
public interface IDesiredChangeLedger
{
    /// <summary>The change <paramref name="region"/> issued for <paramref name="site"/> with <paramref name="sequence"/>, or null.</summary>
    DesiredChange? Find(string region, string site, ulong sequence);
}
