using System.Buffers.Binary;
using System.Globalization;

namespace Grey.Edge.Storage.Wal;

/// <summary>
/// The header at offset 0 of every segment file (36 bytes, little-endian):
/// <code>
/// 0   4  magic "GWAL"
/// 4   u16 format version (1)
/// 6   u16 reserved, 0
/// 8   u64 sequence number (consecutive, from 1)
/// 16  u64 first index: the log's last index + 1 when the segment was created
/// 24  i64 creation time, Unix milliseconds (from the injected TimeProvider)
/// 32  u32 CRC-32C of bytes [0, 32)
/// </code>
/// Files are named <c>{sequence:x16}-{firstIndex:x16}.wal</c>, so that the names sort in sequence order.
/// </summary>
/// <param name="Sequence">The segment's sequence number.</param>
/// <param name="FirstIndex">The index the first appended entry would have had when the segment was created.</param>
/// <param name="CreatedUnixMs">When the segment was created.</param>
internal readonly record struct SegmentHeader(ulong Sequence, ulong FirstIndex, long CreatedUnixMs)
{
    /// <summary>The encoded size.</summary>
    public const int Size = 36;

    /// <summary>The only format version this build writes (and, there being no older one, reads).</summary>
    public const ushort CurrentVersion = 1;

    /// <summary>The file name suffix of segments.</summary>
    public const string Extension = ".wal";

    private const uint Magic = 0x4C415747; // "GWAL" read as a little-endian u32

    /// <summary>The file name of this segment.</summary>
    public string FileName => FormatName(Sequence, FirstIndex);

    /// <summary>The file name of a segment.</summary>
    public static string FormatName(ulong sequence, ulong firstIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"{sequence:x16}-{firstIndex:x16}{Extension}");

    /// <summary>Parses a segment file name; false for any other file.</summary>
    public static bool TryParseName(string name, out ulong sequence, out ulong firstIndex)
    {
        sequence = 0;
        firstIndex = 0;
        return name.Length == 33 + Extension.Length
            && name.EndsWith(Extension, StringComparison.Ordinal)
            && name[16] == '-'
            && ulong.TryParse(name.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out sequence)
            && ulong.TryParse(name.AsSpan(17, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out firstIndex);
    }

    /// <summary>Writes the header into <paramref name="destination"/> (at least <see cref="Size"/> bytes).</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], CurrentVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], FirstIndex);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], CreatedUnixMs);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[32..], Crc32C.Compute(destination[..32]));
    }

    /// <summary>Decodes a header; never throws on bad bytes.</summary>
    public static WalDecodeStatus TryRead(ReadOnlySpan<byte> source, out SegmentHeader header, out string? error)
    {
        header = default;
        error = null;
        if (source.Length < Size)
        {
            error = $"segment header needs {Size} bytes, the file has {source.Length}";
            return WalDecodeStatus.Incomplete;
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(source[32..]);
        var actual = Crc32C.Compute(source[..32]);
        if (stored != actual)
        {
            error = $"segment header checksum mismatch (stored 0x{stored:x8}, computed 0x{actual:x8})";
            return WalDecodeStatus.Invalid;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic)
        {
            error = "not a Grey WAL segment (bad magic)";
            return WalDecodeStatus.Invalid;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(source[4..]);
        if (version != CurrentVersion)
        {
            error = $"unsupported segment format version {version} (this build reads {CurrentVersion})";
            return WalDecodeStatus.Invalid;
        }

        header = new SegmentHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[24..]));
        return WalDecodeStatus.Ok;
    }
}
