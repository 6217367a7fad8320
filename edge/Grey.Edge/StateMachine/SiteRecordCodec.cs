using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Grey.Edge.StateMachine;

/// <summary>
/// Bytes of a <see cref="SiteRecord"/>, little-endian: version (1) u8, kind u8, then epoch: u64; member API and
/// member peer: u64 node id, u16 length + ASCII address (at most <see cref="MaxAddressBytes"/>); region ack: u64 epoch,
/// u64 merged index, 32-byte chain hash, u8 length + ASCII region id. Strict: exact length.
/// </summary>
internal static class SiteRecordCodec
{
    /// <summary>The current format version.</summary>
    public const byte Version = 1;

    /// <summary>Longest API address a record may carry.</summary>
    public const int MaxAddressBytes = 512;

    /// <summary>Encodes a record.</summary>
    public static byte[] Encode(SiteRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        switch (record.Kind)
        {
            case SiteRecordKind.Epoch:
                {
                    var b = new byte[10];
                    b[0] = Version;
                    b[1] = (byte)record.Kind;
                    BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(2), record.Epoch);
                    return b;
                }

            case SiteRecordKind.MemberApi or SiteRecordKind.MemberPeer:
                {
                    var address = Encoding.ASCII.GetBytes(record.Kind == SiteRecordKind.MemberApi ? record.ApiAddress : record.PeerAddress);
                    if (address.Length > MaxAddressBytes || record.NodeId == 0 || (record.Kind == SiteRecordKind.MemberPeer && address.Length == 0))
                    {
                        throw new ArgumentException("member record needs a node id and an address of at most 512 bytes", nameof(record));
                    }

                    var b = new byte[12 + address.Length];
                    b[0] = Version;
                    b[1] = (byte)record.Kind;
                    BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(2), record.NodeId);
                    BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(10), (ushort)address.Length);
                    address.CopyTo(b, 12);
                    return b;
                }

            case SiteRecordKind.RegionAck:
                {
                    if (!Grey.Federation.Identifiers.FederationId.IsValid(record.Region) || record.ChainHash is not { Length: AckHashBytes } || record.AckIndex == 0)
                    {
                        throw new ArgumentException("region ack record needs a valid region id, an index above 0 and a 32-byte chain hash", nameof(record));
                    }

                    var region = Encoding.ASCII.GetBytes(record.Region);
                    var b = new byte[2 + 8 + 8 + AckHashBytes + 1 + region.Length];
                    b[0] = Version;
                    b[1] = (byte)record.Kind;
                    BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(2), record.Epoch);
                    BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(10), record.AckIndex);
                    record.ChainHash.CopyTo(b, 18);
                    b[18 + AckHashBytes] = (byte)region.Length;
                    region.CopyTo(b, 19 + AckHashBytes);
                    return b;
                }

            default:
                throw new ArgumentException($"unknown record kind {record.Kind}", nameof(record));
        }
    }

    /// <summary>Length of the chain hash a region ack record carries (SHA-256).</summary>
    public const int AckHashBytes = 32;

    /// <summary>Decodes a record; on failure says why.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out SiteRecord? record, [NotNullWhen(false)] out string? error)
    {
        record = null;
        if (bytes.Length < 2 || bytes[0] != Version)
        {
            error = bytes.Length < 2 ? "record shorter than its header" : $"unsupported record version {bytes[0]}";
            return false;
        }

        switch ((SiteRecordKind)bytes[1])
        {
            case SiteRecordKind.Epoch when bytes.Length == 10:
                record = new SiteRecord(SiteRecordKind.Epoch, Epoch: BinaryPrimitives.ReadUInt64LittleEndian(bytes[2..]));
                error = null;
                return true;
            case SiteRecordKind.MemberApi or SiteRecordKind.MemberPeer when bytes.Length >= 12:
                {
                    var kind = (SiteRecordKind)bytes[1];
                    var id = BinaryPrimitives.ReadUInt64LittleEndian(bytes[2..]);
                    int length = BinaryPrimitives.ReadUInt16LittleEndian(bytes[10..]);
                    if (id == 0 || length > MaxAddressBytes || bytes.Length != 12 + length || (kind == SiteRecordKind.MemberPeer && length == 0))
                    {
                        error = "member record: zero id, or address length does not match";
                        return false;
                    }

                    var address = Encoding.ASCII.GetString(bytes[12..]);
                    record = kind == SiteRecordKind.MemberApi
                        ? new SiteRecord(kind, NodeId: id, ApiAddress: address)
                        : new SiteRecord(kind, NodeId: id, PeerAddress: address);
                    error = null;
                    return true;
                }

            case SiteRecordKind.RegionAck when bytes.Length > 19 + AckHashBytes:
                {
                    int length = bytes[18 + AckHashBytes];
                    if (bytes.Length != 19 + AckHashBytes + length)
                    {
                        error = "region ack record: region length does not match";
                        return false;
                    }

                    var region = Encoding.ASCII.GetString(bytes[(19 + AckHashBytes)..]);
                    var index = BinaryPrimitives.ReadUInt64LittleEndian(bytes[10..]);
                    if (!Grey.Federation.Identifiers.FederationId.IsValid(region) || index == 0)
                    {
                        error = "region ack record: invalid region id or index 0";
                        return false;
                    }

                    record = new SiteRecord(
                        SiteRecordKind.RegionAck,
                        Epoch: BinaryPrimitives.ReadUInt64LittleEndian(bytes[2..]),
                        Region: region,
                        AckIndex: index,
                        ChainHash: bytes.Slice(18, AckHashBytes).ToArray());
                    error = null;
                    return true;
                }

            default:
                error = $"unknown record kind {bytes[1]} or wrong length {bytes.Length}";
                return false;
        }
    }
}
