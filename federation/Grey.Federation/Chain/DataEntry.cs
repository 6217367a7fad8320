using Grey.Federation.Clock;
using Grey.Federation.Operations;

namespace Grey.Federation.Chain;

/// <summary>
/// A data entry of a site's log: its log index, the HLC stamp the leader gave it, and its operations
/// (1 to <see cref="FederationLimits.MaxOperationsPerEntry"/>). Only data entries enter the chain.
/// </summary>
public sealed class DataEntry
{
    private byte[]? _canonical;

    /// <summary>Creates an entry. Throws <see cref="ArgumentException"/> on misuse.</summary>
    public DataEntry(ulong index, HlcTimestamp stamp, IReadOnlyList<Operation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (index == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "log indexes start at 1");
        }

        if (operations.Count is 0 or > FederationLimits.MaxOperationsPerEntry)
        {
            throw new ArgumentException($"an entry carries 1 to {FederationLimits.MaxOperationsPerEntry} operations", nameof(operations));
        }

        Index = index;
        Stamp = stamp.Validated(nameof(stamp));
        Operations = [.. operations];
    }

    /// <summary>The log index.</summary>
    public ulong Index { get; }

    /// <summary>The entry's HLC stamp.</summary>
    public HlcTimestamp Stamp { get; }

    /// <summary>The operations, in the order they apply.</summary>
    public IReadOnlyList<Operation> Operations { get; }

    /// <summary>The canonical bytes the chain hashes, computed once (the entry is immutable).</summary>
    internal byte[] CanonicalBytes => _canonical ??= Encoding.EntryCodec.Encode(this);

    /// <summary>Sets the canonical bytes the decoder proved equal to a fresh encoding of this entry.</summary>
    internal void AdoptCanonicalBytes(byte[] canonical) => _canonical = canonical;
}
