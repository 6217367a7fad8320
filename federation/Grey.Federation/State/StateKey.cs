namespace Grey.Federation.State;

/// <summary>
/// Where a key lives in the region state: its scope (the owning site id, or <see cref="Identifiers.KeyNames.SharedScope"/>
/// for shared keys) and the key. Ordered ordinally by scope, then key, which is the canonical order.
/// </summary>
internal readonly record struct StateKey(string Scope, string Key) : IComparable<StateKey>
{
    public int CompareTo(StateKey other)
    {
        int c = string.CompareOrdinal(Scope, other.Scope);
        return c != 0 ? c : string.CompareOrdinal(Key, other.Key);
    }
}
