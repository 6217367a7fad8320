using System.Buffers.Binary;
using Grey.Raft;

namespace Grey.Edge.Storage.Wal;

/// <summary>
/// The record format (little-endian):
/// <code>
/// offset 0  u32  CRC-32C of bytes [4, 9 + bodyLength)
/// offset 4  u32  bodyLength
/// offset 8  u8   type (<see cref="WalRecordType"/>)
/// offset 9  body (bodyLength bytes)
///   Entry:         u64 term, u64 index, u8 kind, payload (bodyLength - 17 bytes)
///   HardState:     u64 term, u64 vote, u64 commit
///   Compacted:     u64 index, u64 term
///   SnapshotReset: u64 index, u64 term
/// </code>
/// The checksum covers the length and the type, so a torn length field cannot pass as a valid record.
/// </summary>
internal static class WalRecordCodec
{
    /// <summary>Bytes before the body: checksum, length, type.</summary>
    public const int HeaderSize = 9;

    /// <summary>Fixed part of an entry body: term, index, kind.</summary>
    public const int EntryFixedSize = 17;

    private const int HardStateBodySize = 24;
    private const int MarkerBodySize = 16;

    /// <summary>The encoded size of an entry record.</summary>
    public static int EntrySize(in Entry entry) => HeaderSize + EntryFixedSize + entry.Data.Length;

    /// <summary>The encoded size of a hard state record.</summary>
    public static int HardStateSize => HeaderSize + HardStateBodySize;

    /// <summary>The encoded size of a snapshot marker record.</summary>
    public static int MarkerSize => HeaderSize + MarkerBodySize;

    /// <summary>Writes an entry record into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int WriteEntry(Span<byte> destination, in Entry entry)
    {
        var body = destination[HeaderSize..];
        BinaryPrimitives.WriteUInt64LittleEndian(body, entry.Term);
        BinaryPrimitives.WriteUInt64LittleEndian(body[8..], entry.Index);
        body[16] = (byte)entry.Kind;
        entry.Data.Span.CopyTo(body[EntryFixedSize..]);
        return Seal(destination, WalRecordType.Entry, EntryFixedSize + entry.Data.Length);
    }

    /// <summary>Writes a hard state record; returns the bytes written.</summary>
    public static int WriteHardState(Span<byte> destination, HardState hardState)
    {
        var body = destination[HeaderSize..];
        BinaryPrimitives.WriteUInt64LittleEndian(body, hardState.Term);
        BinaryPrimitives.WriteUInt64LittleEndian(body[8..], hardState.Vote);
        BinaryPrimitives.WriteUInt64LittleEndian(body[16..], hardState.Commit);
        return Seal(destination, WalRecordType.HardState, HardStateBodySize);
    }

    /// <summary>Writes a snapshot marker record (<see cref="WalRecordType.Compacted"/> or <see cref="WalRecordType.SnapshotReset"/>).</summary>
    public static int WriteMarker(Span<byte> destination, WalRecordType type, ulong index, ulong term)
    {
        if (type is not (WalRecordType.Compacted or WalRecordType.SnapshotReset))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "not a snapshot marker type");
        }

        var body = destination[HeaderSize..];
        BinaryPrimitives.WriteUInt64LittleEndian(body, index);
        BinaryPrimitives.WriteUInt64LittleEndian(body[8..], term);
        return Seal(destination, type, MarkerBodySize);
    }

    /// <summary>
    /// Decodes the record at the start of <paramref name="source"/>. Never throws on bad bytes: the status says
    /// whether the bytes end before the record does (<see cref="WalDecodeStatus.Incomplete"/>) or are wrong.
    /// </summary>
    public static WalDecodeStatus TryRead(ReadOnlySpan<byte> source, int maxRecordBytes, out WalRecord record, out int size, out string? error)
    {
        record = default;
        size = 0;
        error = null;
        if (source.Length < HeaderSize)
        {
            error = $"only {source.Length} bytes left, a record header needs {HeaderSize}";
            return WalDecodeStatus.Incomplete;
        }

        var bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        if (bodyLength > (uint)(maxRecordBytes - HeaderSize))
        {
            error = $"record length {bodyLength} exceeds the maximum record size {maxRecordBytes}";
            return WalDecodeStatus.Invalid;
        }

        // Structural checks come before the checksum: they are cheap, and they keep the recovery scan for
        // later valid records (which tries every offset) from checksumming megabytes at each one.
        var type = (WalRecordType)source[8];
        var shapeOk = type switch
        {
            WalRecordType.Entry => bodyLength >= EntryFixedSize,
            WalRecordType.HardState => bodyLength == HardStateBodySize,
            WalRecordType.Compacted or WalRecordType.SnapshotReset => bodyLength == MarkerBodySize,
            _ => false,
        };
        if (!shapeOk)
        {
            error = $"unknown record type {(byte)type} or wrong body length {bodyLength}";
            return WalDecodeStatus.Invalid;
        }

        size = HeaderSize + (int)bodyLength;
        if (source.Length < size)
        {
            error = $"record of {size} bytes but only {source.Length} bytes left";
            return WalDecodeStatus.Incomplete;
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(source);
        var actual = Crc32C.Compute(source[4..size]);
        if (stored != actual)
        {
            error = $"checksum mismatch (stored 0x{stored:x8}, computed 0x{actual:x8})";
            return WalDecodeStatus.Invalid;
        }

        var body = source[HeaderSize..size];
        switch (type)
        {
            case WalRecordType.Entry when body.Length >= EntryFixedSize:
                var kind = (EntryKind)body[16];
                if (kind > EntryKind.Record)
                {
                    error = $"unknown entry kind {(byte)kind}";
                    return WalDecodeStatus.Invalid;
                }

                var entry = new Entry(
                    BinaryPrimitives.ReadUInt64LittleEndian(body),
                    BinaryPrimitives.ReadUInt64LittleEndian(body[8..]),
                    kind,
                    body[EntryFixedSize..].ToArray());
                record = new WalRecord(type, entry, default, 0, 0);
                return WalDecodeStatus.Ok;
            case WalRecordType.HardState when body.Length == HardStateBodySize:
                var hs = new HardState(
                    BinaryPrimitives.ReadUInt64LittleEndian(body),
                    BinaryPrimitives.ReadUInt64LittleEndian(body[8..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(body[16..]));
                record = new WalRecord(type, default, hs, 0, 0);
                return WalDecodeStatus.Ok;
            case WalRecordType.Compacted or WalRecordType.SnapshotReset when body.Length == MarkerBodySize:
                record = new WalRecord(type, default, default, BinaryPrimitives.ReadUInt64LittleEndian(body), BinaryPrimitives.ReadUInt64LittleEndian(body[8..]));
                return WalDecodeStatus.Ok;
            default:
                error = $"unknown record type {(byte)type} or wrong body length {bodyLength}";
                return WalDecodeStatus.Invalid;
        }
    }

    private static int Seal(Span<byte> destination, WalRecordType type, int bodyLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)bodyLength);
        destination[8] = (byte)type;
        var size = HeaderSize + bodyLength;
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Crc32C.Compute(destination[4..size]));
        return size;
    }
}
