namespace Grey.Linearizability.Checking;

/// <summary>Compares memo keys by their precomputed hash first, then state and bitset exactly.</summary>
internal sealed class MemoKeyComparer : IEqualityComparer<MemoKey>
{
    public static readonly MemoKeyComparer Instance = new();

    public bool Equals(MemoKey? x, MemoKey? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null)
        {
            return false;
        }

        return x.Hash == y.Hash && x.State == y.State && x.Bits.AsSpan().SequenceEqual(y.Bits);
    }

    public int GetHashCode(MemoKey obj) => (int)(obj.Hash ^ (obj.Hash >> 32));
}
