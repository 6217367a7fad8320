using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

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

    /// <summary>The chain hash before the first data entry of <paramref name="site"/> in <paramref name="epoch"/>.</summary>
    public static byte[] Genesis(string site, ulong epoch)
    {
        byte[] siteBytes = System.Text.Encoding.UTF8.GetBytes(site);
        byte[] input = new byte[Domain.Length + siteBytes.Length + 8];
        Domain.CopyTo(input, 0);
        siteBytes.CopyTo(input, Domain.Length);
        BinaryPrimitives.WriteUInt64BigEndian(input.AsSpan(Domain.Length + siteBytes.Length), epoch);
        return SHA256.HashData(input);
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
        byte[] hash = SHA256.HashData(buffer[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return hash;
    }

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
