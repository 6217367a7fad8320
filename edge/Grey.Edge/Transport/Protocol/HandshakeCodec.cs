using System.Buffers;
using System.Text;

namespace Grey.Edge.Transport.Protocol;

/// <summary>
/// Payloads of Handshake and Refusal frames. Handshake: site length (1 byte), site id (ASCII), sender id (8),
/// receiver id (8). Refusal: reason (1 byte), text length (2), UTF-8 text.
/// </summary>
internal static class HandshakeCodec
{
    /// <summary>The longest site id (DESIGN §3: <c>[a-z0-9][a-z0-9-]{0,62}</c>).</summary>
    public const int MaxSiteIdLength = 63;

    /// <summary>True when <paramref name="id"/> is a valid site or node-name identifier.</summary>
    public static bool IsValidSiteId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxSiteIdLength || id[0] == '-')
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Appends a Handshake frame.</summary>
    public static int WriteHandshake(IBufferWriter<byte> output, Handshake h)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (!IsValidSiteId(h.SiteId))
        {
            throw new ArgumentException($"site id '{h.SiteId}' is not valid", nameof(h));
        }

        Span<byte> payload = stackalloc byte[1 + MaxSiteIdLength + 16];
        var w = new WireWriter(payload);
        w.WriteByte((byte)h.SiteId.Length);
        Span<byte> site = stackalloc byte[h.SiteId.Length];
        Encoding.ASCII.GetBytes(h.SiteId, site);
        w.WriteBytes(site);
        w.WriteUInt64(h.SenderId);
        w.WriteUInt64(h.ReceiverId);
        return FrameCodec.WriteControl(output, FrameType.Handshake, h.Version, payload[..w.Written]);
    }

    /// <summary>Decodes the payload of a Handshake frame of <paramref name="version"/>.</summary>
    public static DecodeError? TryDecodeHandshake(ReadOnlyMemory<byte> payload, byte version, out Handshake? handshake)
    {
        handshake = null;
        var r = new WireReader(payload);
        if (!r.TryReadByte(out var siteLength))
        {
            return new DecodeError(DecodeErrorCode.Truncated, "handshake is empty");
        }

        if (siteLength is 0 or > MaxSiteIdLength)
        {
            return new DecodeError(DecodeErrorCode.MalformedPayload, $"handshake site id length {siteLength} is outside 1..{MaxSiteIdLength}");
        }

        if (!r.TryReadBytes(siteLength, out var siteBytes))
        {
            return new DecodeError(DecodeErrorCode.Truncated, $"handshake ends inside a site id of {siteLength} bytes");
        }

        foreach (var b in siteBytes.Span)
        {
            if (b > 0x7f)
            {
                return new DecodeError(DecodeErrorCode.MalformedPayload, "handshake site id is not ASCII");
            }
        }

        var site = Encoding.ASCII.GetString(siteBytes.Span);
        if (!IsValidSiteId(site))
        {
            return new DecodeError(DecodeErrorCode.MalformedPayload, $"handshake site id '{site}' does not match [a-z0-9][a-z0-9-]{{0,62}}");
        }

        if (!r.TryReadUInt64(out var sender) || !r.TryReadUInt64(out var receiver))
        {
            return new DecodeError(DecodeErrorCode.Truncated, "handshake ends inside the node ids");
        }

        if (sender == 0 || receiver == 0)
        {
            return new DecodeError(DecodeErrorCode.MalformedPayload, "handshake names node id 0");
        }

        if (r.Remaining != 0)
        {
            return new DecodeError(DecodeErrorCode.MalformedPayload, $"{r.Remaining} trailing bytes after the handshake");
        }

        handshake = new Handshake(version, site, sender, receiver);
        return null;
    }

    /// <summary>Appends a Refusal frame; the text is cut to <see cref="ProtocolLimits.MaxRefusalTextBytes"/> bytes.</summary>
    public static int WriteRefusal(IBufferWriter<byte> output, byte version, RefusalReason reason, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        var length = Math.Min(bytes.Length, ProtocolLimits.MaxRefusalTextBytes);
        var payload = new byte[3 + length];
        var w = new WireWriter(payload);
        w.WriteByte((byte)reason);
        w.WriteUInt16((ushort)length);
        w.WriteBytes(bytes.AsSpan(0, length));
        return FrameCodec.WriteControl(output, FrameType.Refusal, version, payload);
    }

    /// <summary>Decodes the payload of a Refusal frame.</summary>
    public static DecodeError? TryDecodeRefusal(ReadOnlyMemory<byte> payload, out RefusalReason reason, out string text)
    {
        reason = default;
        text = string.Empty;
        var r = new WireReader(payload);
        if (!r.TryReadByte(out var reasonByte) || !r.TryReadUInt16(out var length))
        {
            return new DecodeError(DecodeErrorCode.Truncated, "refusal ends inside its header");
        }

        reason = (RefusalReason)reasonByte;
        if (!Enum.IsDefined(reason))
        {
            return new DecodeError(DecodeErrorCode.MalformedPayload, $"refusal reason {reasonByte} is unknown");
        }

        if (length > ProtocolLimits.MaxRefusalTextBytes || !r.TryReadBytes(length, out var textBytes) || r.Remaining != 0)
        {
            return new DecodeError(DecodeErrorCode.MalformedPayload, $"refusal text length {length} does not match the payload");
        }

        text = Encoding.UTF8.GetString(textBytes.Span);
        return null;
    }
}
