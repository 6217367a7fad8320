namespace Grey.Raft.Tracker;

/// <summary>
/// The Append messages in flight to one follower: a bounded ring of (last index, bytes) pairs. The leader
/// stops sending when the ring holds <see cref="MaxCount"/> messages or <see cref="MaxBytes"/> bytes, which
/// is the flow control of the replicate state.
/// </summary>
internal sealed class Inflights
{
    private readonly (ulong Index, ulong Bytes)[] buffer;
    private int start;

    public Inflights(int maxCount, ulong maxBytes)
    {
        if (maxCount <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxCount), "must be positive");
        }

        MaxCount = maxCount;
        MaxBytes = maxBytes;
        buffer = new (ulong, ulong)[maxCount];
    }

    public int MaxCount { get; }

    public ulong MaxBytes { get; }

    public int Count { get; private set; }

    public ulong Bytes { get; private set; }

    /// <summary>True when no more messages may be sent.</summary>
    public bool Full => Count == MaxCount || (MaxBytes != 0 && Bytes >= MaxBytes);

    public Inflights Clone()
    {
        var copy = new Inflights(MaxCount, MaxBytes);
        for (var i = 0; i < Count; i++)
        {
            var (index, bytes) = buffer[(start + i) % MaxCount];
            copy.Add(index, bytes);
        }

        return copy;
    }

    /// <summary>Records a message whose last entry is <paramref name="index"/>; indexes must rise.</summary>
    public void Add(ulong index, ulong bytes)
    {
        if (Full)
        {
            throw new InvalidOperationException("inflights: cannot add into a full window");
        }

        buffer[(start + Count) % MaxCount] = (index, bytes);
        Count++;
        Bytes += bytes;
    }

    /// <summary>Frees every message whose last index is at most <paramref name="index"/>.</summary>
    public void FreeLE(ulong index)
    {
        while (Count > 0 && buffer[start].Index <= index)
        {
            Bytes -= buffer[start].Bytes;
            start = (start + 1) % MaxCount;
            Count--;
        }

        if (Count == 0)
        {
            start = 0;
        }
    }

    public void Reset()
    {
        Count = 0;
        Bytes = 0;
        start = 0;
    }
}
