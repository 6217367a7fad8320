using System.Buffers.Binary;
using Grey.Edge.Storage.Wal;
using Grey.Raft;

namespace Grey.Edge.Storage.Snapshots;

/// <summary>
/// The snapshot file format (little-endian):
/// <code>
/// 0   4  magic "GSNP"
/// 4   u16 format version (1)
/// 6   u16 reserved, 0
/// 8   u64 index
/// 16  u64 term
/// 24  u8  conf state auto-leave (0 or 1)
/// 25  four member lists, each u32 count then count × u64 node id:
///     voters, learners, outgoing voters, learners next
/// ..  u64 data length, then the data (the application's state machine bytes)
/// ..  u32 CRC-32C of every byte before it
/// </code>
/// </summary>
internal static class SnapshotCodec
{
    /// <summary>The most members any one list may hold; a larger count is a damaged file.</summary>
    public const int MaxMembersPerList = 1024;

    /// <summary>The only format version this build writes (and, there being no older one, reads).</summary>
    public const ushort CurrentVersion = 1;

    private const uint Magic = 0x504E5347; // "GSNP" read as a little-endian u32
    private const int FixedSize = 25;

    /// <summary>Encodes a snapshot.</summary>
    public static byte[] Encode(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var cs = snapshot.Metadata.ConfState;
        IReadOnlyList<ulong>[] lists = [cs.Voters, cs.Learners, cs.VotersOutgoing, cs.LearnersNext];
        var size = FixedSize + lists.Sum(l => 4 + (8 * l.Count)) + 8 + snapshot.Data.Length + 4;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], CurrentVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], snapshot.Metadata.Index);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], snapshot.Metadata.Term);
        span[24] = cs.AutoLeave ? (byte)1 : (byte)0;
        var at = FixedSize;
        foreach (var list in lists)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)list.Count);
            at += 4;
            foreach (var id in list)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(span[at..], id);
                at += 8;
            }
        }

        BinaryPrimitives.WriteUInt64LittleEndian(span[at..], (ulong)snapshot.Data.Length);
        at += 8;
        snapshot.Data.Span.CopyTo(span[at..]);
        at += snapshot.Data.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], Crc32C.Compute(span[..at]));
        return bytes;
    }

    /// <summary>Decodes a snapshot file's bytes; returns null with a reason when they are not a valid snapshot.</summary>
    public static Snapshot? TryDecode(ReadOnlySpan<byte> bytes, out string? error)
    {
        error = null;
        if (bytes.Length < FixedSize + 16 + 8 + 4)
        {
            error = $"snapshot file of {bytes.Length} bytes is too short";
            return null;
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]);
        var actual = Crc32C.Compute(bytes[..^4]);
        if (stored != actual)
        {
            error = $"snapshot checksum mismatch (stored 0x{stored:x8}, computed 0x{actual:x8})";
            return null;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            error = "not a Grey snapshot (bad magic)";
            return null;
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != CurrentVersion)
        {
            error = $"unsupported snapshot format version {version} (this build reads {CurrentVersion})";
            return null;
        }

        if (bytes[24] > 1)
        {
            error = $"bad auto-leave flag {bytes[24]}";
            return null;
        }

        var body = bytes[..^4];
        var at = FixedSize;
        var lists = new ulong[4][];
        for (var l = 0; l < 4; l++)
        {
            if (body.Length - at < 4)
            {
                error = "snapshot ends inside its member lists";
                return null;
            }

            var count = BinaryPrimitives.ReadUInt32LittleEndian(body[at..]);
            at += 4;
            if (count > MaxMembersPerList || (ulong)(body.Length - at) < count * 8UL)
            {
                error = $"member list of {count} entries does not fit (at most {MaxMembersPerList})";
                return null;
            }

            lists[l] = new ulong[count];
            for (var i = 0; i < count; i++)
            {
                lists[l][i] = BinaryPrimitives.ReadUInt64LittleEndian(body[at..]);
                at += 8;
            }
        }

        if (body.Length - at < 8)
        {
            error = "snapshot ends before its data length";
            return null;
        }

        var dataLength = BinaryPrimitives.ReadUInt64LittleEndian(body[at..]);
        at += 8;
        if (dataLength != (ulong)(body.Length - at))
        {
            error = $"data length {dataLength} does not match the {body.Length - at} bytes present";
            return null;
        }

        var cs = new ConfState(lists[0], lists[1], lists[2], lists[3], bytes[24] == 1);
        var metadata = new SnapshotMetadata(BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]), BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]), cs);
        return new Snapshot(metadata, body[at..].ToArray());
    }
}
