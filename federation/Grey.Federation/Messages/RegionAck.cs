using System.Formats.Cbor;
using Grey.Federation.Encoding;
using Grey.Federation.Identifiers;

namespace Grey.Federation.Messages;

/// <summary>
/// A region's acknowledgement to a site: it has merged the site's epoch up to <see cref="MergedIndex"/>,
/// whose chain hash is <see cref="ChainHash"/>, and made that durable. Sent signed; the site verifies it
/// before it compacts its log. Encoded as map {0 version, 1 type 3, 2 region, 3 site, 4 epoch, 6 merged index, 8 chain hash}.
/// </summary>
public sealed class RegionAck
{
    private readonly byte[] _chainHash;

    /// <summary>Creates an acknowledgement. Throws <see cref="ArgumentException"/> on misuse.</summary>
    public RegionAck(string region, string site, ulong epoch, ulong mergedIndex, ReadOnlySpan<byte> chainHash, int version = FormatVersion.Current)
    {
        if (!FormatVersion.IsSupported((ulong)version))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "unsupported format version");
        }

        if (chainHash.Length != FederationLimits.HashBytes)
        {
            throw new ArgumentException($"chain hash must be {FederationLimits.HashBytes} bytes", nameof(chainHash));
        }

        Version = version;
        Region = FederationId.Require(region, nameof(region));
        Site = FederationId.Require(site, nameof(site));
        Epoch = epoch;
        MergedIndex = mergedIndex;
        _chainHash = chainHash.ToArray();
    }

    /// <summary>The format version.</summary>
    public int Version { get; }

    /// <summary>The acknowledging region.</summary>
    public string Region { get; }

    /// <summary>The site acknowledged.</summary>
    public string Site { get; }

    /// <summary>The site's epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>The highest index merged and made durable.</summary>
    public ulong MergedIndex { get; }

    /// <summary>The chain hash at <see cref="MergedIndex"/>.</summary>
    public ReadOnlySpan<byte> ChainHash => _chainHash;

    /// <summary>The canonical bytes (what is signed).</summary>
    public byte[] Encode()
    {
        CborWriter w = Cbor.Writer();
        w.WriteStartMap(7);
        MessageHeader.Write(w, Version, MessageType.RegionAck);
        w.WriteUInt32(2);
        w.WriteTextString(Region);
        w.WriteUInt32(3);
        w.WriteTextString(Site);
        w.WriteUInt32(4);
        w.WriteUInt64(Epoch);
        w.WriteUInt32(6);
        w.WriteUInt64(MergedIndex);
        w.WriteUInt32(8);
        w.WriteByteString(_chainHash);
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>Decodes canonical bytes; never throws for bad input.</summary>
    public static DecodeResult<RegionAck> Decode(ReadOnlyMemory<byte> bytes) => Cbor.Guard("ack", () =>
    {
        CborReader r = Cbor.Reader(bytes);
        int fields = Cbor.ReadMap(r, 16, "ack");
        (int version, MessageType type) = MessageHeader.Read(r, "ack");
        if (type != MessageType.RegionAck)
        {
            throw new FormatDecodeException(DecodeErrorCode.WrongMessageType, $"ack: message type {(int)type} is not an ack");
        }

        if (fields != 7)
        {
            throw FormatDecodeException.Malformed($"ack: {fields} fields, expected 7");
        }

        Cbor.ReadKey(r, 2, "ack");
        string region = Cbor.ReadText(r, FederationId.MaxLength, "region");
        Cbor.ReadKey(r, 3, "ack");
        string site = Cbor.ReadText(r, FederationId.MaxLength, "site");
        Cbor.ReadKey(r, 4, "ack");
        ulong epoch = r.ReadUInt64();
        Cbor.ReadKey(r, 6, "ack");
        ulong index = r.ReadUInt64();
        Cbor.ReadKey(r, 8, "ack");
        byte[] hash = Cbor.ReadHash(r, "chain hash");
        r.ReadEndMap();
        Cbor.ExpectEnd(r, "ack");
        var ack = new RegionAck(region, site, epoch, index, hash, version);
        if (!ack.Encode().AsSpan().SequenceEqual(bytes.Span))
        {
            throw FormatDecodeException.Malformed("ack: not in canonical form");
        }

        return ack;
    });
}
