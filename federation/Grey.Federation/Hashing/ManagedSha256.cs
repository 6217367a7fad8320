using System.Buffers.Binary;
using System.Numerics;

namespace Grey.Federation.Hashing;

/// <summary>
/// SHA-256 (FIPS 180-4, section 6.2) in managed code, one-shot. It exists so that a process that hashes but needs no
/// other cryptography (a standalone <c>grey-edge</c> node, whose only hashing is the chain hash) does not load OpenSSL,
/// which .NET's <see cref="System.Security.Cryptography.SHA256"/> uses on Linux: about 3.5 MB of resident memory for
/// libcrypto and libssl (docs/BENCHMARKS.md, "Edge footprint"). It gives the same bytes as the system SHA-256 for every
/// input (tests/Grey.Federation.Tests/Hashing) but is slower on CPUs whose OpenSSL uses the SHA instructions, so
/// processes choose it explicitly (<see cref="Chain.ChainHash.UseImplementation"/>).
/// </summary>
internal static class ManagedSha256
{
    /// <summary>Size of a SHA-256 hash in bytes.</summary>
    public const int HashSizeInBytes = 32;

    /// <summary>Size of one message block in bytes.</summary>
    private const int BlockSizeInBytes = 64;

    /// <summary>Bytes at the end of the last block that hold the message length in bits.</summary>
    private const int LengthFieldBytes = 8;

    /// <summary>The round constants K0..K63 (FIPS 180-4, 4.2.2).</summary>
    private static ReadOnlySpan<uint> RoundConstants =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>The initial hash value H(0) (FIPS 180-4, 5.3.3).</summary>
    private static ReadOnlySpan<uint> InitialState =>
    [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];

    /// <summary>The SHA-256 hash of <paramref name="source"/>.</summary>
    public static byte[] HashData(ReadOnlySpan<byte> source)
    {
        byte[] hash = new byte[HashSizeInBytes];
        HashData(source, hash);
        return hash;
    }

    /// <summary>Writes the SHA-256 hash of <paramref name="source"/> to <paramref name="destination"/>; returns 32.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public static int HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < HashSizeInBytes)
        {
            throw new ArgumentException($"The destination must hold {HashSizeInBytes} bytes.", nameof(destination));
        }

        Span<uint> state = stackalloc uint[8];
        InitialState.CopyTo(state);
        Span<uint> schedule = stackalloc uint[64];
        int whole = source.Length - (source.Length % BlockSizeInBytes);
        Compress(state, schedule, source[..whole]);

        // Padding (5.1.1): the rest of the message, one 1 bit, zeros, and the length in bits as 64 bits big-endian,
        // which takes one more block, or two when fewer than 9 bytes are left in the first.
        Span<byte> tail = stackalloc byte[2 * BlockSizeInBytes];
        tail.Clear();
        int rest = source.Length - whole;
        source[whole..].CopyTo(tail);
        tail[rest] = 0x80;
        int tailLength = rest < BlockSizeInBytes - LengthFieldBytes ? BlockSizeInBytes : 2 * BlockSizeInBytes;
        BinaryPrimitives.WriteUInt64BigEndian(tail[(tailLength - LengthFieldBytes)..], (ulong)source.Length * 8);
        Compress(state, schedule, tail[..tailLength]);

        for (int i = 0; i < state.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(4 * i)..], state[i]);
        }

        return HashSizeInBytes;
    }

    /// <summary>Runs the compression function (6.2.2) over each 64-byte block of <paramref name="blocks"/>.</summary>
    private static void Compress(Span<uint> state, Span<uint> w, ReadOnlySpan<byte> blocks)
    {
        ReadOnlySpan<uint> k = RoundConstants;
        uint h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3], h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7];
        for (int offset = 0; offset < blocks.Length; offset += BlockSizeInBytes)
        {
            ReadOnlySpan<byte> block = blocks.Slice(offset, BlockSizeInBytes);
            for (int t = 0; t < 16; t++)
            {
                w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(4 * t)..]);
            }

            for (int t = 16; t < 64; t++)
            {
                uint x = w[t - 15];
                uint y = w[t - 2];
                uint s0 = BitOperations.RotateRight(x, 7) ^ BitOperations.RotateRight(x, 18) ^ (x >> 3);
                uint s1 = BitOperations.RotateRight(y, 17) ^ BitOperations.RotateRight(y, 19) ^ (y >> 10);
                w[t] = w[t - 16] + s0 + w[t - 7] + s1;
            }

            uint a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
            for (int t = 0; t < 64; t++)
            {
                uint sum1 = BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25);
                uint choose = (e & f) ^ (~e & g);
                uint t1 = h + sum1 + choose + k[t] + w[t];
                uint sum0 = BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22);
                uint majority = (a & b) ^ (a & c) ^ (b & c);
                uint t2 = sum0 + majority;
                h = g;
                g = f;
                f = e;
                e = d + t1;
                d = c;
                c = b;
                b = a;
                a = t1 + t2;
            }

            h0 += a;
            h1 += b;
            h2 += c;
            h3 += d;
            h4 += e;
            h5 += f;
            h6 += g;
            h7 += h;
        }

        state[0] = h0;
        state[1] = h1;
        state[2] = h2;
        state[3] = h3;
        state[4] = h4;
        state[5] = h5;
        state[6] = h6;
        state[7] = h7;
    }
}
