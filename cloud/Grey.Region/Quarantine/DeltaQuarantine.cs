using Grey.Region.Ingest;

namespace Grey.Region.Quarantine;

/// <summary>
/// The bounded quarantine of refused deltas (DESIGN G4: never merged, never silently dropped). Bounded by
/// count and by bytes; when a new item does not fit, the oldest are evicted and counted. An item larger
/// than the byte bound keeps only its first <see cref="MaxBytes"/> bytes (marked truncated).
/// </summary>
public sealed class DeltaQuarantine
{
    private readonly LinkedList<QuarantineItem> _items = new();
    private ulong _nextId = 1;

    /// <summary>Creates a quarantine holding at most <paramref name="maxItems"/> items and <paramref name="maxBytes"/> bytes.</summary>
    public DeltaQuarantine(int maxItems, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        MaxItems = maxItems;
        MaxBytes = maxBytes;
    }

    /// <summary>Most items kept.</summary>
    public int MaxItems { get; }

    /// <summary>Most bytes kept over all items.</summary>
    public long MaxBytes { get; }

    /// <summary>Items kept now.</summary>
    public int Count => _items.Count;

    /// <summary>Bytes kept now.</summary>
    public long Bytes { get; private set; }

    /// <summary>Items evicted to make room since the region started.</summary>
    public long Evicted { get; private set; }

    /// <summary>Items ever added.</summary>
    public long Added { get; private set; }

    /// <summary>Adds a refused message, evicting the oldest when full; returns the item kept.</summary>
    public QuarantineItem Add(RejectReason reason, string detail, string? site, DateTimeOffset at, ReadOnlySpan<byte> bytes)
    {
        bool truncated = bytes.Length > MaxBytes;
        byte[] kept = truncated ? bytes[..(int)Math.Min(MaxBytes, int.MaxValue)].ToArray() : bytes.ToArray();
        var item = new QuarantineItem(_nextId++, reason, detail, site, at, kept, truncated);
        while (_items.Count >= MaxItems || (_items.Count > 0 && Bytes + kept.Length > MaxBytes))
        {
            Bytes -= _items.First!.Value.Bytes.Length;
            _items.RemoveFirst();
            Evicted++;
        }

        _items.AddLast(item);
        Bytes += kept.Length;
        Added++;
        return item;
    }

    /// <summary>The items, oldest first.</summary>
    public IReadOnlyList<QuarantineItem> List() => [.. _items];
}
