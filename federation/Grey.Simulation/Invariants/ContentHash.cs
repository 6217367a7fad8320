namespace Grey.Simulation.Invariants;

/// <summary>
/// A 64-bit hash of an entry's kind and payload, so the checkers can compare entries across nodes and
/// over the whole run without keeping every payload. FNV-1a with a final mix; collisions are negligible at
/// the simulator's scale and would only hide a violation, never invent one.
/// </summary>
internal static class ContentHash
{
    /// <summary>The hash of one entry's kind and payload.</summary>
    public static ulong Of(byte kind, ReadOnlySpan<byte> data)
    {
        ulong h = 14695981039346656037UL;
        unchecked
        {
            h = (h ^ kind) * 1099511628211UL;
            foreach (byte b in data)
            {
                h = (h ^ b) * 1099511628211UL;
            }
        }

        return Core.SeedDerivation.Mix(h ^ (ulong)data.Length);
    }

    /// <summary>Extends an apply chain (the hash of every entry applied so far) by one entry.</summary>
    public static ulong Chain(ulong previous, ulong index, ulong term, ulong contentHash) =>
        Core.SeedDerivation.Mix(previous ^ Core.SeedDerivation.Mix(index ^ Core.SeedDerivation.Mix(term ^ Core.SeedDerivation.Mix(contentHash))));
}
