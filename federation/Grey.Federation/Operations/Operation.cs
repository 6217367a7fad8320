using Grey.Federation.Clock;
using Grey.Federation.Identifiers;

namespace Grey.Federation.Operations;

/// <summary>
/// One change to the replicated state, with its HLC stamp and the node that proposed it (its origin).
/// Create one with the factory of its kind; each validates its arguments and throws
/// <see cref="ArgumentException"/> on misuse. Immutable.
/// </summary>
public sealed class Operation
{
    private static readonly IReadOnlyList<SetTag> NoTags = [];

    private Operation(OperationKind kind, string key, HlcTimestamp stamp, string origin)
    {
        Kind = kind;
        Key = KeyNames.Require(key, nameof(key));
        Stamp = stamp.Validated(nameof(stamp));
        Origin = FederationId.Require(origin, nameof(origin));
    }

    /// <summary>The kind of operation.</summary>
    public OperationKind Kind { get; }

    /// <summary>The key it changes.</summary>
    public string Key { get; }

    /// <summary>Its HLC stamp.</summary>
    public HlcTimestamp Stamp { get; }

    /// <summary>The node that proposed it.</summary>
    public string Origin { get; }

    /// <summary>The value of a put (empty otherwise).</summary>
    public ReadOnlyMemory<byte> Value => RawValue;

    /// <summary>The value array, owned by this immutable operation and never handed out writable, so registers may share it.</summary>
    internal byte[] RawValue { get; private init; } = [];

    /// <summary>The amount of a counter add (zero otherwise).</summary>
    public long Amount { get; private init; }

    /// <summary>The element of a set add or remove (empty otherwise).</summary>
    public string Element { get; private init; } = string.Empty;

    /// <summary>The observed tags a set remove removes, sorted and distinct (empty otherwise).</summary>
    public IReadOnlyList<SetTag> Tags { get; private init; } = NoTags;

    /// <summary>For a put or delete of a <c>desired/...</c> key: the desired-state change it applies.</summary>
    public DesiredRef? Desired { get; private init; }

    /// <summary>A put of <paramref name="value"/> (at most <see cref="FederationLimits.MaxValueBytes"/> bytes).</summary>
    public static Operation Put(string key, ReadOnlySpan<byte> value, HlcTimestamp stamp, string origin, DesiredRef? desired = null)
    {
        if (value.Length > FederationLimits.MaxValueBytes)
        {
            throw new ArgumentException($"value longer than {FederationLimits.MaxValueBytes} bytes", nameof(value));
        }

        return new Operation(OperationKind.Put, key, stamp, origin) { RawValue = value.ToArray(), Desired = desired };
    }

    /// <summary>A delete (tombstone) of <paramref name="key"/>.</summary>
    public static Operation Delete(string key, HlcTimestamp stamp, string origin, DesiredRef? desired = null) =>
        new(OperationKind.Delete, key, stamp, origin) { Desired = desired };

    /// <summary>Adds <paramref name="amount"/> (non-zero, not <see cref="long.MinValue"/>) to a counter.</summary>
    public static Operation CounterAdd(string key, long amount, HlcTimestamp stamp, string origin)
    {
        if (amount is 0 or long.MinValue)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "amount must be non-zero and greater than long.MinValue");
        }

        return new Operation(OperationKind.CounterAdd, key, stamp, origin) { Amount = amount };
    }

    /// <summary>Adds <paramref name="element"/> to a set; its tag is (site of the delta, origin, stamp).</summary>
    public static Operation SetAdd(string key, string element, HlcTimestamp stamp, string origin) =>
        new(OperationKind.SetAdd, key, stamp, origin) { Element = RequireElement(element) };

    /// <summary>Removes the observed <paramref name="tags"/> of <paramref name="element"/> (1 to <see cref="FederationLimits.MaxTagsPerRemove"/>).</summary>
    public static Operation SetRemove(string key, string element, IEnumerable<SetTag> tags, HlcTimestamp stamp, string origin)
    {
        ArgumentNullException.ThrowIfNull(tags);
        SetTag[] sorted = [.. tags.Distinct().Order()];
        if (sorted.Length is 0 or > FederationLimits.MaxTagsPerRemove)
        {
            throw new ArgumentException($"a set remove names 1 to {FederationLimits.MaxTagsPerRemove} tags", nameof(tags));
        }

        foreach (SetTag tag in sorted)
        {
            FederationId.Require(tag.Site, nameof(tags));
            FederationId.Require(tag.Node, nameof(tags));
            tag.Stamp.Validated(nameof(tags));
        }

        return new Operation(OperationKind.SetRemove, key, stamp, origin) { Element = RequireElement(element), Tags = sorted };
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        OperationKind.Put => $"put {Key} ({Value.Length} bytes) @{Stamp} by {Origin}",
        OperationKind.Delete => $"delete {Key} @{Stamp} by {Origin}",
        OperationKind.CounterAdd => $"add {Amount} to {Key} @{Stamp} by {Origin}",
        OperationKind.SetAdd => $"set-add {Element} to {Key} @{Stamp} by {Origin}",
        _ => $"set-remove {Element} ({Tags.Count} tags) from {Key} @{Stamp} by {Origin}",
    };

    private static string RequireElement(string element)
    {
        if (!KeyNames.IsValidElement(element))
        {
            throw new ArgumentException($"invalid set element; expected 1-{FederationLimits.MaxElementBytes} bytes without control characters", nameof(element));
        }

        return element;
    }
}
