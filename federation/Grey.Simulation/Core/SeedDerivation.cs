namespace Grey.Simulation.Core;

/// <summary>
/// Derives every random source of a run from its one printed seed. Each consumer names its purpose
/// ("network", "node-3", "client-1"), so adding a new consumer never shifts the numbers another one draws,
/// and a seed keeps replaying the same run as the simulator grows.
/// </summary>
internal static class SeedDerivation
{
    /// <summary>A 64-bit sub-seed for <paramref name="purpose"/>, a pure function of both arguments.</summary>
    public static ulong Derive(ulong seed, string purpose)
    {
        ArgumentNullException.ThrowIfNull(purpose);

        // FNV-1a over the purpose, then SplitMix64 finalisation of its combination with the seed: cheap,
        // stable across .NET versions (unlike string.GetHashCode), and well mixed for nearby seeds.
        ulong h = 14695981039346656037UL;
        foreach (char c in purpose)
        {
            h ^= c;
            h *= 1099511628211UL;
        }

        return Mix(seed ^ Mix(h));
    }

    /// <summary>
    /// A seeded <see cref="Random"/> for <paramref name="purpose"/>. Seeded instances use the legacy
    /// algorithm that .NET keeps stable, so a seed replays the same numbers on every runtime version.
    /// </summary>
    public static Random CreateRandom(ulong seed, string purpose) =>
        new(unchecked((int)(Derive(seed, purpose) & 0x7FFF_FFFF)));

    /// <summary>The SplitMix64 finaliser.</summary>
    public static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
