using Grey.Federation.Identifiers;

namespace Grey.Federation.Operations;

/// <summary>
/// Names the region's signed desired-state change that an operation on a <c>desired/...</c> key applies:
/// the issuing region, its sequence number for the site, and the SHA-256 digest of the change's canonical
/// bytes (what the region signed). The region checks all three against what it issued.
/// </summary>
public sealed class DesiredRef : IEquatable<DesiredRef>, IComparable<DesiredRef>
{
    private readonly byte[] _digest;

    /// <summary>Creates a reference. Throws <see cref="ArgumentException"/> on an invalid region or digest.</summary>
    public DesiredRef(string region, ulong sequence, ReadOnlySpan<byte> digest)
    {
        Region = FederationId.Require(region, nameof(region));
        if (digest.Length != FederationLimits.HashBytes)
        {
            throw new ArgumentException($"digest must be {FederationLimits.HashBytes} bytes", nameof(digest));
        }

        Sequence = sequence;
        _digest = digest.ToArray();
    }

    /// <summary>The region that issued the change.</summary>
    public string Region { get; }

    /// <summary>The change's sequence number for its site.</summary>
    public ulong Sequence { get; }

    /// <summary>SHA-256 of the change's canonical bytes.</summary>
    public ReadOnlySpan<byte> Digest => _digest;

    /// <inheritdoc />
    public bool Equals(DesiredRef? other) =>
        other is not null && Region == other.Region && Sequence == other.Sequence && _digest.AsSpan().SequenceEqual(other._digest);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as DesiredRef);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Region, Sequence, _digest[0], _digest[1]);

    /// <inheritdoc />
    public int CompareTo(DesiredRef? other)
    {
        if (other is null)
        {
            return 1;
        }

        int c = string.CompareOrdinal(Region, other.Region);
        if (c != 0)
        {
            return c;
        }

        c = Sequence.CompareTo(other.Sequence);
        return c != 0 ? c : _digest.AsSpan().SequenceCompareTo(other._digest);
    }
}
