using System.Formats.Cbor;
using Grey.Federation.Encoding;
using Grey.Federation.Identifiers;

namespace Grey.Federation.Messages;

/// <summary>
/// A region's negative acknowledgement on <c>grey.nak.&lt;site&gt;</c>: it lacks the site epoch's log from
/// <see cref="FirstMissingIndex"/> on and asks the site to resend from there. It carries no authority (a forged
/// one can only make a site resend what the region drops as a duplicate), so it is not signed.
/// Encoded as map {0 version, 1 type 6, 2 region, 3 site, 4 epoch, 6 first missing index}.
/// </summary>
public sealed record SiteNak
{
    /// <summary>Creates a NAK. Throws <see cref="ArgumentException"/> on invalid ids or index 0.</summary>
    public SiteNak(string region, string site, ulong epoch, ulong firstMissingIndex)
    {
        Region = FederationId.Require(region, nameof(region));
        Site = FederationId.Require(site, nameof(site));
        ArgumentOutOfRangeException.ThrowIfZero(firstMissingIndex);
        Epoch = epoch;
        FirstMissingIndex = firstMissingIndex;
    }

    /// <summary>The region asking.</summary>
    public string Region { get; }

    /// <summary>The site asked.</summary>
    public string Site { get; }

    /// <summary>The site's epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>The first log index the region lacks.</summary>
    public ulong FirstMissingIndex { get; }

    /// <summary>The canonical bytes.</summary>
    public byte[] Encode()
    {
        CborWriter w = Cbor.Writer();
        w.WriteStartMap(6);
        MessageHeader.Write(w, FormatVersion.Current, MessageType.SiteNak);
        w.WriteUInt32(2);
        w.WriteTextString(Region);
        w.WriteUInt32(3);
        w.WriteTextString(Site);
        w.WriteUInt32(4);
        w.WriteUInt64(Epoch);
        w.WriteUInt32(6);
        w.WriteUInt64(FirstMissingIndex);
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>Decodes canonical bytes; never throws for bad input.</summary>
    public static DecodeResult<SiteNak> Decode(ReadOnlyMemory<byte> bytes) => Cbor.Guard("nak", () =>
    {
        if (bytes.Length > MaxEncodedBytes)
        {
            throw new FormatDecodeException(DecodeErrorCode.TooLarge, $"nak: {bytes.Length} bytes, at most {MaxEncodedBytes}");
        }

        CborReader r = Cbor.Reader(bytes);
        int fields = Cbor.ReadMap(r, 16, "nak");
        (_, MessageType type) = MessageHeader.Read(r, "nak");
        if (type != MessageType.SiteNak)
        {
            throw new FormatDecodeException(DecodeErrorCode.WrongMessageType, $"nak: message type {(int)type} is not a nak");
        }

        if (fields != 6)
        {
            throw FormatDecodeException.Malformed($"nak: {fields} fields, expected 6");
        }

        Cbor.ReadKey(r, 2, "nak");
        string region = Cbor.ReadText(r, FederationId.MaxLength, "region");
        Cbor.ReadKey(r, 3, "nak");
        string site = Cbor.ReadText(r, FederationId.MaxLength, "site");
        Cbor.ReadKey(r, 4, "nak");
        ulong epoch = r.ReadUInt64();
        Cbor.ReadKey(r, 6, "nak");
        ulong first = r.ReadUInt64();
        r.ReadEndMap();
        Cbor.ExpectEnd(r, "nak");
        if (!FederationId.IsValid(region) || !FederationId.IsValid(site))
        {
            throw FormatDecodeException.Malformed("nak: invalid region or site id");
        }

        if (first == 0)
        {
            throw FormatDecodeException.Malformed("nak: first missing index 0");
        }

        return new SiteNak(region, site, epoch, first);
    });

    /// <summary>The largest valid encoding (two 63-byte ids, two 64-bit numbers and the framing) with room to spare.</summary>
    public const int MaxEncodedBytes = 512;
}
