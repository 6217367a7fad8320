using Grey.Federation.Clock;
using Grey.Federation.Operations;

namespace Grey.Federation.State;

/// <summary>
/// A last-writer-wins register: the winning write (or tombstone) of a key, with its stamp and origin.
/// Writes are totally ordered by <see cref="Compare"/>: HLC stamp, then origin site, then origin node,
/// then (for the identical origins a faulty edge might produce) tombstone before value, value bytes, and the
/// desired-state reference, so every region picks the same winner whatever the arrival order.
/// A value type, so merging a write allocates nothing beyond the dictionary slot.
/// </summary>
public readonly struct Register : IEquatable<Register>
{
    private readonly byte[]? _value;

    internal Register(HlcTimestamp stamp, string site, string node, byte[]? value, DesiredRef? desired)
    {
        Stamp = stamp;
        Site = site;
        Node = node;
        _value = value;
        Desired = desired;
    }

    /// <summary>The stamp of the winning write.</summary>
    public HlcTimestamp Stamp { get; }

    /// <summary>The site whose log carried the winning write.</summary>
    public string Site { get; }

    /// <summary>The node that proposed the winning write.</summary>
    public string Node { get; }

    /// <summary>Whether the winning write is a delete.</summary>
    public bool IsTombstone => _value is null;

    /// <summary>The value (empty for a tombstone).</summary>
    public ReadOnlyMemory<byte> Value => _value;

    /// <summary>The desired-state change the write applied, for <c>desired/...</c> keys.</summary>
    public DesiredRef? Desired { get; }

    internal byte[]? RawValue => _value;

    /// <summary>Total order of writes; the greater one wins.</summary>
    public static int Compare(in Register a, in Register b)
    {
        int c = a.Stamp.CompareTo(b.Stamp);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(a.Site, b.Site);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(a.Node, b.Node);
        if (c != 0)
        {
            return c;
        }

        c = (a._value is not null).CompareTo(b._value is not null);
        if (c != 0)
        {
            return c;
        }

        c = a._value.AsSpan().SequenceCompareTo(b._value);
        if (c != 0)
        {
            return c;
        }

        return a.Desired is null ? (b.Desired is null ? 0 : -1) : a.Desired.CompareTo(b.Desired);
    }

    /// <summary>Whether both registers came from the same origin (same site and node).</summary>
    internal bool SameOrigin(in Register other) => Site == other.Site && Node == other.Node;

    /// <inheritdoc />
    public bool Equals(Register other) => Compare(this, other) == 0;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Register r && Equals(r);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Stamp, Site, Node);

    public static bool operator ==(Register left, Register right) => left.Equals(right);

    public static bool operator !=(Register left, Register right) => !left.Equals(right);
}
