using System.Buffers.Binary;

namespace Grey.Edge.Transport.Protocol;

/// <summary>The fixed 8-byte header that starts every frame.</summary>
internal readonly record struct FrameHeader(byte Version, FrameType Type, int PayloadLength)
{
    /// <summary>
    /// Parses and checks a header (magic, version, type, length limit) before anything of the payload is read,
    /// so an oversized length is refused without allocating.
    /// </summary>
    public static DecodeError? TryParse(ReadOnlySpan<byte> header, out FrameHeader result)
    {
        result = default;
        if (header.Length < ProtocolLimits.HeaderSize)
        {
            return new DecodeError(DecodeErrorCode.Truncated, $"frame header needs {ProtocolLimits.HeaderSize} bytes, got {header.Length}");
        }

        if (header[0] != ProtocolLimits.Magic0 || header[1] != ProtocolLimits.Magic1)
        {
            return new DecodeError(DecodeErrorCode.BadMagic, $"magic is 0x{header[0]:x2}{header[1]:x2}, expected 0x{ProtocolLimits.Magic0:x2}{ProtocolLimits.Magic1:x2} (\"GY\")");
        }

        var version = header[2];
        if (!ProtocolVersion.IsSupported(version))
        {
            return new DecodeError(DecodeErrorCode.UnsupportedVersion, $"protocol version {version} is not supported (this node speaks {ProtocolVersion.Previous} and {ProtocolVersion.Current})");
        }

        var type = (FrameType)header[3];
        if (!Enum.IsDefined(type))
        {
            return new DecodeError(DecodeErrorCode.UnknownFrameType, $"frame type {header[3]} is unknown");
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..8]);
        var max = ProtocolLimits.MaxPayloadBytes(type);
        if (length > (uint)max)
        {
            return new DecodeError(DecodeErrorCode.FrameTooLarge, $"{type} frame payload of {length} bytes exceeds the limit of {max} bytes");
        }

        result = new FrameHeader(version, type, (int)length);
        return null;
    }

    /// <summary>Writes the header into the first 8 bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = ProtocolLimits.Magic0;
        destination[1] = ProtocolLimits.Magic1;
        destination[2] = Version;
        destination[3] = (byte)Type;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..8], (uint)PayloadLength);
    }
}
