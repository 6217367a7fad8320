namespace Grey.Linearizability.Checking;

/// <summary>
/// One memoized search configuration: which operations are linearized (a bitset) and the register's
/// state after them. Two paths reaching the same pair have the same future, so the second is pruned
/// (Lowe, "Testing for linearizability", 2017). The hash is maintained incrementally by the search.
/// </summary>
internal sealed class MemoKey(ulong[] bits, long? state, ulong hash)
{
    public ulong[] Bits { get; set; } = bits;

    public long? State { get; set; } = state;

    public ulong Hash { get; set; } = hash;
}
