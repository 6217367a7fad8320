using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Grey.Edge.Storage.Wal;
using Grey.Federation.Chain;
using Grey.Federation.Deltas;

namespace Grey.Edge.Outbox;

/// <summary>
/// Bytes of the outbox journal (docs/OUTBOX.md). A segment file <c>outbox-&lt;seq, 20 digits&gt;.seg</c> starts with
/// a header, little-endian: magic "GOBX", version u8 (1), flags u8 (bit 0: folded: everything at or below the base
/// index was dropped and must reach the region as a checkpoint), u16 zero, base index u64 (the index whose chain
/// hash the first record continues from), base chain hash (32 bytes), CRC-32C of bytes 0..47. Records follow back
/// to back: payload length u32, CRC-32C of the payload u32, payload: the canonical bytes of a one-entry
/// <see cref="SiteDelta"/> (the site id also as the region label), which carries index, stamp, operations and the
/// chain hash before and after, and is decoded by the federation's strict (fuzzed) decoder.
/// </summary>
internal static class JournalFormat
{
    /// <summary>Segment header size.</summary>
    public const int HeaderBytes = 52;

    /// <summary>Record header size (length, CRC).</summary>
    public const int RecordHeaderBytes = 8;

    /// <summary>The current segment format version.</summary>
    public const byte Version = 1;

    private const int HashBytes = 32;

    private static ReadOnlySpan<byte> Magic => "GOBX"u8;

    /// <summary>A segment's file name.</summary>
    public static string SegmentName(long seq) => "outbox-" + seq.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + ".seg";

    /// <summary>Parses a segment file name.</summary>
    public static bool TryParseName(string name, out long seq)
    {
        seq = 0;
        return name.Length == 31 && name.StartsWith("outbox-", StringComparison.Ordinal) && name.EndsWith(".seg", StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(7, 20), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out seq);
    }

    /// <summary>Encodes a segment header.</summary>
    public static byte[] EncodeHeader(bool folded, ulong baseIndex, ReadOnlySpan<byte> baseChain)
    {
        if (baseChain.Length != HashBytes)
        {
            throw new ArgumentException("base chain hash must be 32 bytes", nameof(baseChain));
        }

        var b = new byte[HeaderBytes];
        Magic.CopyTo(b);
        b[4] = Version;
        b[5] = folded ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), baseIndex);
        baseChain.CopyTo(b.AsSpan(16));
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(48), Crc32C.Compute(b.AsSpan(0, 48)));
        return b;
    }

    /// <summary>Decodes a segment header; on failure says why.</summary>
    public static bool TryDecodeHeader(ReadOnlySpan<byte> b, out bool folded, out ulong baseIndex, out byte[] baseChain, [NotNullWhen(false)] out string? error)
    {
        folded = false;
        baseIndex = 0;
        baseChain = [];
        if (b.Length < HeaderBytes)
        {
            error = "segment shorter than its header";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(b[48..]) != Crc32C.Compute(b[..48]))
        {
            error = "segment header checksum mismatch";
            return false;
        }

        if (!b[..4].SequenceEqual(Magic) || b[4] != Version || b[5] > 1 || b[6] != 0 || b[7] != 0)
        {
            error = $"not an outbox segment of version {Version}";
            return false;
        }

        folded = b[5] == 1;
        baseIndex = BinaryPrimitives.ReadUInt64LittleEndian(b[8..]);
        baseChain = b.Slice(16, HashBytes).ToArray();
        error = null;
        return true;
    }

    /// <summary>Frames a record payload: length, CRC, payload.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var b = new byte[RecordHeaderBytes + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), Crc32C.Compute(payload));
        payload.CopyTo(b.AsSpan(RecordHeaderBytes));
        return b;
    }

    /// <summary>The payload of one chained entry.</summary>
    public static byte[] EncodePayload(string site, ulong epoch, DataEntry entry, ReadOnlySpan<byte> chainBefore) =>
        SiteDelta.Create(site, site, epoch, entry.Index, entry.Index, chainBefore, [entry]).Encode();

    /// <summary>Decodes a payload and checks its chain step; on failure says why.</summary>
    public static bool TryDecodePayload(ReadOnlyMemory<byte> payload, [NotNullWhen(true)] out JournalRecord? record, [NotNullWhen(false)] out string? error)
    {
        record = null;
        var decoded = Delta.Decode(payload);
        if (!decoded.IsSuccess)
        {
            error = "record does not decode: " + decoded.Error.Message;
            return false;
        }

        if (decoded.Value is not SiteDelta { Entries.Count: 1 } delta || delta.FirstIndex != delta.LastIndex || delta.Entries[0].Index != delta.FirstIndex)
        {
            error = "record is not one data entry";
            return false;
        }

        var before = delta.ChainBefore.ToArray();
        var after = delta.ChainAfter.ToArray();
        if (!ChainHash.Next(before, delta.Entries[0]).AsSpan().SequenceEqual(after))
        {
            error = "record's chain hash after does not follow from its entry";
            return false;
        }

        record = new JournalRecord(delta.Entries[0], before, after, RecordHeaderBytes + payload.Length);
        error = null;
        return true;
    }
}
