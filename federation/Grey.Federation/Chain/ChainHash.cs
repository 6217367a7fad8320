using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Grey.Federation.Hashing;

namespace Grey.Federation.Chain;

/// <summary>
/// The hash chain over a site's data entries (DESIGN §3): <c>h_0 = SHA-256("grey-chain-v1" ‖ site ‖ epoch)</c>
/// with the epoch as 8 bytes big-endian, and <c>h_i = SHA-256(h_prev ‖ canonical bytes of entry i)</c>.
/// </summary>
public static class ChainHash
{
    /// <summary>Largest input hashed from a stack buffer; longer entries use a pooled array.</summary>
    private const int StackLimit = 1024;

    private static readonly byte[] Domain = "grey-chain-v1"u8.ToArray();

    /// <summary>
    /// The SHA-256 in use. A process-wide choice, made once at start by the executable (<c>grey-edge</c> takes the
    /// managed one so that a standalone node never loads OpenSSL; everything else keeps the faster system one). A
    /// static setting rather than a parameter because both implementations give the same bytes for every input
    /// (tests/Grey.Federation.Tests/Hashing): the choice changes speed and memory, never a hash, so no caller needs to
    /// know it and a change at any moment, even racing with hashing on other threads, is harmless.
    /// </summary>
    private static volatile bool useManaged;

    /// <summary>The SHA-256 the chain hash uses (<see cref="Sha256Implementation.System"/> unless chosen otherwise).</summary>
    public static Sha256Implementation Implementation => useManaged ? Sha256Implementation.Managed : Sha256Implementation.System;

    /// <summary>Chooses the SHA-256 the chain hash uses in this process (see <see cref="Implementation"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="implementation"/> is not a defined value.</exception>
    public static void UseImplementation(Sha256Implementation implementation)
    {
        if (implementation is not (Sha256Implementation.System or Sha256Implementation.Managed))
        {
            throw new ArgumentOutOfRangeException(nameof(implementation), implementation, "Unknown SHA-256 implementation.");
        }

        useManaged = implementation == Sha256Implementation.Managed;
    }

    /// <summary>The chain hash before the first data entry of <paramref name="site"/> in <paramref name="epoch"/>.</summary>
    public static byte[] Genesis(string site, ulong epoch)
    {
        byte[] siteBytes = System.Text.Encoding.UTF8.GetBytes(site);
        byte[] input = new byte[Domain.Length + siteBytes.Length + 8];
        Domain.CopyTo(input, 0);
        siteBytes.CopyTo(input, Domain.Length);
        BinaryPrimitives.WriteUInt64BigEndian(input.AsSpan(Domain.Length + siteBytes.Length), epoch);
        return Hash(input);
    }

    /// <summary>The chain hash after <paramref name="entry"/>, given the hash before it.</summary>
    public static byte[] Next(ReadOnlySpan<byte> previous, DataEntry entry) => Next(previous, (entry ?? throw new ArgumentNullException(nameof(entry))).CanonicalBytes);

    /// <summary>The chain hash after an entry given its canonical bytes.</summary>
    public static byte[] Next(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> entryBytes)
    {
        // One-shot hashing of one contiguous buffer: far cheaper per entry than an incremental hash object.
        int length = previous.Length + entryBytes.Length;
        byte[]? rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> buffer = rented is null ? stackalloc byte[StackLimit] : rented;
        previous.CopyTo(buffer);
        entryBytes.CopyTo(buffer[previous.Length..]);
        byte[] hash = Hash(buffer[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return hash;
    }

    /// <summary>SHA-256 through the chosen implementation. OpenSSL is loaded by the first call into <see cref="SHA256"/>, not
    /// by this reference to it, so with the managed choice the library is never mapped.</summary>
    private static byte[] Hash(ReadOnlySpan<byte> input) => useManaged ? ManagedSha256.HashData(input) : SHA256.HashData(input);

    /// <summary>The chain hash after all of <paramref name="entries"/>, given the hash before them.</summary>
    public static byte[] Fold(ReadOnlySpan<byte> previous, IEnumerable<DataEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        byte[] h = previous.ToArray();
        foreach (DataEntry e in entries)
        {
            h = Next(h, e);
        }

        return h;
    }
}
