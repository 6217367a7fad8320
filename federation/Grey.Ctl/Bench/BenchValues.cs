namespace Grey.Ctl.Bench;

/// <summary>
/// Keys and 256-byte values for the bench's writes. Values are slices of one seeded random buffer at pseudo-random
/// offsets, so they do not repeat inside a delta and DEFLATE cannot make the pipeline look better than real data
/// would; keys cycle over a bounded set per client so the sites' state stays small over long runs.
/// </summary>
internal sealed class BenchValues
{
    /// <summary>The random buffer values are cut from.</summary>
    public const int BufferBytes = 1 << 20;

    /// <summary>Distinct keys per client (a named bound on each site's state).</summary>
    public const int KeysPerClient = 256;

    private readonly byte[] buffer = new byte[BufferBytes];

    public BenchValues(int seed) => new Random(seed).NextBytes(buffer);

    /// <summary>The value of write <paramref name="sequence"/> of <paramref name="client"/> at <paramref name="site"/>.</summary>
    public ReadOnlyMemory<byte> Value(int site, int client, long sequence)
    {
        ulong mixed = Mix(((ulong)site << 48) ^ ((ulong)client << 32) ^ (ulong)sequence);
        int offset = (int)(mixed % (BufferBytes - E2eBenchOptions.ValueBytes));
        return buffer.AsMemory(offset, E2eBenchOptions.ValueBytes);
    }

    /// <summary>The key of write <paramref name="sequence"/> of <paramref name="client"/>.</summary>
    public static string Key(int client, long sequence) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"bench/c{client}/k{sequence % KeysPerClient}");

    // SplitMix64's finalizer: a cheap, well-spread hash of the write's identity.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
