using System.Formats.Cbor;

namespace Grey.Federation.Encoding;

/// <summary>Reads fields 0 (version) and 1 (message type) that open every message map.</summary>
internal static class MessageHeader
{
    public static (int Version, MessageType Type) Read(CborReader r, string what)
    {
        Cbor.ReadKey(r, 0, what);
        ulong version = r.ReadUInt64();
        if (!FormatVersion.IsSupported(version))
        {
            throw new FormatDecodeException(DecodeErrorCode.UnsupportedVersion,
                $"{what}: format version {version} is not supported (this build reads {FormatVersion.Previous} and {FormatVersion.Current})");
        }

        Cbor.ReadKey(r, 1, what);
        ulong type = r.ReadUInt64();
        if (type is < 1 or > 7)
        {
            throw FormatDecodeException.Malformed($"{what}: unknown message type {type}");
        }

        return ((int)version, (MessageType)type);
    }

    public static void Write(CborWriter w, int version, MessageType type)
    {
        w.WriteUInt32(0);
        w.WriteUInt32((uint)version);
        w.WriteUInt32(1);
        w.WriteUInt32((uint)type);
    }
}
