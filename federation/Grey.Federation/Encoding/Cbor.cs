using System.Formats.Cbor;
using System.Text;
using Grey.Federation.Clock;

namespace Grey.Federation.Encoding;

/// <summary>
/// The canonical CBOR conventions of every format: CTAP2 canonical form (shortest integers, definite lengths,
/// sorted map keys, no duplicates), integer map keys 0-23, no floating point, no tags. Readers check every
/// declared length against the limit and the bytes left before they allocate.
/// </summary>
internal static class Cbor
{
    /// <summary>
    /// Most items read for a fixed-shape array or map (a tuple such as an operation or an HLC stamp). Shapes
    /// are checked exactly afterwards, so a wrong count is reported as malformed rather than too large.
    /// </summary>
    public const int MaxTupleItems = 16;

    public static CborWriter Writer() => new(CborConformanceMode.Ctap2Canonical, convertIndefiniteLengthEncodings: false);

    /// <summary>A writer whose buffer starts at <paramref name="initialCapacity"/> bytes: a large message is then not
    /// copied through every doubling of the buffer (each a large-object-heap array past 85 kB).</summary>
    public static CborWriter Writer(int initialCapacity) =>
        new(CborConformanceMode.Ctap2Canonical, convertIndefiniteLengthEncodings: false, initialCapacity: initialCapacity);

    public static CborReader Reader(ReadOnlyMemory<byte> bytes) => new(bytes, CborConformanceMode.Ctap2Canonical);

    public static int ReadArray(CborReader r, int max, string what)
    {
        int n = r.ReadStartArray() ?? throw FormatDecodeException.Malformed($"{what}: indefinite length");
        CheckCount(r, n, max, what);
        return n;
    }

    public static int ReadArray(CborReader r, int min, int max, string what)
    {
        int n = ReadArray(r, max, what);
        if (n < min)
        {
            throw FormatDecodeException.Malformed($"{what}: {n} items, expected at least {min}");
        }

        return n;
    }

    public static int ReadMap(CborReader r, int max, string what)
    {
        int n = r.ReadStartMap() ?? throw FormatDecodeException.Malformed($"{what}: indefinite length");
        CheckCount(r, n, max, what);
        return n;
    }

    public static void ReadKey(CborReader r, uint expected, string what)
    {
        uint k = r.ReadUInt32();
        if (k != expected)
        {
            throw FormatDecodeException.Malformed($"{what}: expected field {expected}, found field {k}");
        }
    }

    public static ulong ReadUInt(CborReader r, ulong max, string what)
    {
        ulong v = r.ReadUInt64();
        if (v > max)
        {
            throw FormatDecodeException.Malformed($"{what}: {v} is above the maximum {max}");
        }

        return v;
    }

    public static string ReadText(CborReader r, int maxBytes, string what)
    {
        if (r.PeekState() != CborReaderState.TextString)
        {
            throw FormatDecodeException.Malformed($"{what}: expected a text string, found {r.PeekState()}");
        }

        // The reader refuses a declared length beyond the bytes left, so this allocates at most the input size.
        string s = r.ReadTextString();
        if (s.Length > maxBytes || System.Text.Encoding.UTF8.GetByteCount(s) > maxBytes)
        {
            throw FormatDecodeException.TooLarge($"{what}: longer than {maxBytes} bytes");
        }

        return s;
    }

    /// <summary>CBOR major type 2 (byte string) in a head's first byte.</summary>
    public const byte ByteStringMajor = 0x40;

    /// <summary>CBOR major type 4 (array) in a head's first byte.</summary>
    public const byte ArrayMajor = 0x80;

    /// <summary>Bytes of the shortest head of a byte string or array of <paramref name="length"/> (what the canonical form demands).</summary>
    public static int HeadLength(int length) => length < 24 ? 1 : length < 256 ? 2 : length < 65_536 ? 3 : 5;

    /// <summary>
    /// Writes the shortest head of <paramref name="major"/> (<see cref="ByteStringMajor"/> or <see cref="ArrayMajor"/>) with
    /// <paramref name="length"/>, for encoders that assemble a large message by hand instead of through a buffering writer.
    /// Returns the bytes written (<see cref="HeadLength"/>).
    /// </summary>
    public static int WriteHead(Span<byte> destination, byte major, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        switch (HeadLength(length))
        {
            case 1:
                destination[0] = (byte)(major | length);
                return 1;
            case 2:
                destination[0] = (byte)(major | 24);
                destination[1] = (byte)length;
                return 2;
            case 3:
                destination[0] = (byte)(major | 25);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)length);
                return 3;
            default:
                destination[0] = (byte)(major | 26);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
                return 5;
        }
    }

    /// <summary>Like <see cref="ReadBytes"/>, but returns a slice of the reader's input instead of a copy.</summary>
    public static ReadOnlyMemory<byte> ReadBytesSlice(CborReader r, int maxBytes, string what)
    {
        if (r.PeekState() != CborReaderState.ByteString)
        {
            throw FormatDecodeException.Malformed($"{what}: expected a byte string, found {r.PeekState()}");
        }

        ReadOnlyMemory<byte> b = r.ReadDefiniteLengthByteString();
        if (b.Length > maxBytes)
        {
            throw FormatDecodeException.TooLarge($"{what}: {b.Length} bytes, at most {maxBytes} allowed");
        }

        return b;
    }

    public static byte[] ReadBytes(CborReader r, int maxBytes, string what)
    {
        if (r.PeekState() != CborReaderState.ByteString)
        {
            throw FormatDecodeException.Malformed($"{what}: expected a byte string, found {r.PeekState()}");
        }

        byte[] b = r.ReadByteString();
        if (b.Length > maxBytes)
        {
            throw FormatDecodeException.TooLarge($"{what}: {b.Length} bytes, at most {maxBytes} allowed");
        }

        return b;
    }

    public static byte[] ReadHash(CborReader r, string what)
    {
        byte[] h = ReadBytes(r, FederationLimits.HashBytes, what);
        if (h.Length != FederationLimits.HashBytes)
        {
            throw FormatDecodeException.Malformed($"{what}: {h.Length} bytes, expected {FederationLimits.HashBytes}");
        }

        return h;
    }

    public static bool TryReadNull(CborReader r)
    {
        if (r.PeekState() == CborReaderState.Null)
        {
            r.ReadNull();
            return true;
        }

        return false;
    }

    public static HlcTimestamp ReadHlc(CborReader r, string what)
    {
        int n = ReadArray(r, MaxTupleItems, what);
        if (n != 2)
        {
            throw FormatDecodeException.Malformed($"{what}: an HLC stamp is [wall ms, logical]");
        }

        long wall = (long)ReadUInt(r, HlcTimestamp.MaxWallMs, what + " wall");
        int logical = (int)ReadUInt(r, HlcTimestamp.MaxLogical, what + " logical");
        r.ReadEndArray();
        return new HlcTimestamp(wall, logical);
    }

    public static void WriteHlc(CborWriter w, HlcTimestamp stamp)
    {
        w.WriteStartArray(2);
        w.WriteUInt64((ulong)stamp.WallMs);
        w.WriteUInt64((ulong)stamp.Logical);
        w.WriteEndArray();
    }

    public static void ExpectEnd(CborReader r, string what)
    {
        if (r.BytesRemaining != 0)
        {
            throw FormatDecodeException.Malformed($"{what}: {r.BytesRemaining} bytes after the end");
        }
    }

    /// <summary>Runs a decoder, turning every way bad input can fail into a <see cref="DecodeError"/>.</summary>
    public static DecodeResult<T> Guard<T>(string what, Func<T> decode)
        where T : class
    {
        try
        {
            return DecodeResult<T>.Success(decode());
        }
        catch (FormatDecodeException e)
        {
            return DecodeResult<T>.Failure(new DecodeError(e.Code, e.Message));
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or ArgumentException
                                       or OverflowException or FormatException or DecoderFallbackException)
        {
            return DecodeResult<T>.Failure(new DecodeError(DecodeErrorCode.Malformed, $"{what}: {e.Message}"));
        }
    }

    private static void CheckCount(CborReader r, int n, int max, string what)
    {
        if (n > max)
        {
            throw FormatDecodeException.TooLarge($"{what}: {n} items, at most {max} allowed");
        }

        // Every item takes at least one byte, so a count above the bytes left is a lie; refusing it here
        // keeps a 5-byte header from making us allocate for millions of items.
        if (n > r.BytesRemaining)
        {
            throw FormatDecodeException.Malformed($"{what}: declares {n} items but only {r.BytesRemaining} bytes remain");
        }
    }
}
