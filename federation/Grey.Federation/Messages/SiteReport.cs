using System.Formats.Cbor;
using Grey.Federation.Encoding;
using Grey.Federation.Identifiers;

namespace Grey.Federation.Messages;

/// <summary>
/// A site leader's report on <c>grey.status.&lt;region&gt;.&lt;site&gt;</c>: how far the site has committed and what
/// its outbox still holds, so the region can show lag while nothing is being shipped. Unsigned: it feeds
/// status only and never changes merged state. Encoded as map {0 version, 1 type 7, 3 site, 4 epoch,
/// 5 committed index, 6 acknowledged index, 7 backlog entries, 8 backlog bytes, 9 oldest unacknowledged age in
/// milliseconds, 10 entries folded into checkpoints so far}.
/// </summary>
public sealed record SiteReport(
    string Site,
    ulong Epoch,
    ulong CommittedIndex,
    ulong AcknowledgedIndex,
    ulong BacklogEntries,
    ulong BacklogBytes,
    ulong OldestUnacknowledgedAgeMs,
    ulong FoldedEntries)
{
    /// <summary>The largest valid encoding with room to spare.</summary>
    public const int MaxEncodedBytes = 512;

    /// <summary>The canonical bytes. Throws <see cref="ArgumentException"/> for an invalid site id.</summary>
    public byte[] Encode()
    {
        FederationId.Require(Site, nameof(Site));
        CborWriter w = Cbor.Writer();
        w.WriteStartMap(10);
        MessageHeader.Write(w, FormatVersion.Current, MessageType.SiteReport);
        w.WriteUInt32(3);
        w.WriteTextString(Site);
        w.WriteUInt32(4);
        w.WriteUInt64(Epoch);
        w.WriteUInt32(5);
        w.WriteUInt64(CommittedIndex);
        w.WriteUInt32(6);
        w.WriteUInt64(AcknowledgedIndex);
        w.WriteUInt32(7);
        w.WriteUInt64(BacklogEntries);
        w.WriteUInt32(8);
        w.WriteUInt64(BacklogBytes);
        w.WriteUInt32(9);
        w.WriteUInt64(OldestUnacknowledgedAgeMs);
        w.WriteUInt32(10);
        w.WriteUInt64(FoldedEntries);
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>Decodes canonical bytes; never throws for bad input.</summary>
    public static DecodeResult<SiteReport> Decode(ReadOnlyMemory<byte> bytes) => Cbor.Guard("report", () =>
    {
        if (bytes.Length > MaxEncodedBytes)
        {
            throw new FormatDecodeException(DecodeErrorCode.TooLarge, $"report: {bytes.Length} bytes, at most {MaxEncodedBytes}");
        }

        CborReader r = Cbor.Reader(bytes);
        int fields = Cbor.ReadMap(r, 16, "report");
        (_, MessageType type) = MessageHeader.Read(r, "report");
        if (type != MessageType.SiteReport)
        {
            throw new FormatDecodeException(DecodeErrorCode.WrongMessageType, $"report: message type {(int)type} is not a site report");
        }

        if (fields != 10)
        {
            throw FormatDecodeException.Malformed($"report: {fields} fields, expected 10");
        }

        Cbor.ReadKey(r, 3, "report");
        string site = Cbor.ReadText(r, FederationId.MaxLength, "site");
        if (!FederationId.IsValid(site))
        {
            throw FormatDecodeException.Malformed("report: invalid site id");
        }

        ulong[] n = new ulong[7];
        for (int i = 0; i < n.Length; i++)
        {
            Cbor.ReadKey(r, (uint)(4 + i), "report");
            n[i] = r.ReadUInt64();
        }

        r.ReadEndMap();
        Cbor.ExpectEnd(r, "report");
        if (n[2] > n[1])
        {
            throw FormatDecodeException.Malformed($"report: acknowledged index {n[2]} above committed index {n[1]}");
        }

        return new SiteReport(site, n[0], n[1], n[2], n[3], n[4], n[5], n[6]);
    });
}
