using System.Formats.Cbor;
using System.Text;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>Thrown inside the decoder for malformed input; <see cref="EnrollmentCodec"/> turns it into a result.</summary>
internal sealed class EnrollmentFormatException(string message) : Exception(message);

/// <summary>
/// Strict readers and writers of single fields: every length is checked against its limit before anything
/// is allocated, text must be valid UTF-8, and optional fields are CBOR null.
/// </summary>
internal static class CborFields
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static CborWriter Writer() => new(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: false);

    public static CborReader Reader(ReadOnlyMemory<byte> bytes) => new(bytes, CborConformanceMode.Canonical);

    public static byte[] Bytes(CborReader r, int max, string what)
    {
        if (r.PeekState() != CborReaderState.ByteString)
        {
            throw new EnrollmentFormatException($"{what}: expected a byte string, found {r.PeekState()}");
        }

        // The whole message is already bounded by EnrollmentLimits.MaxMessageBytes, so slicing the encoded
        // value costs nothing; the field's own limit is checked before the copy.
        ReadOnlyMemory<byte> encoded = r.ReadEncodedValue();
        if (encoded.Length > max + 9)
        {
            throw new EnrollmentFormatException($"{what}: longer than {max} bytes");
        }

        byte[] value = new CborReader(encoded, CborConformanceMode.Canonical).ReadByteString();
        return value.Length <= max ? value : throw new EnrollmentFormatException($"{what}: {value.Length} bytes, at most {max}");
    }

    public static byte[] BytesExactly(CborReader r, int size, string what)
    {
        byte[] value = Bytes(r, size, what);
        return value.Length == size ? value : throw new EnrollmentFormatException($"{what}: {value.Length} bytes, expected {size}");
    }

    public static string Text(CborReader r, int maxBytes, string what)
    {
        if (r.PeekState() != CborReaderState.TextString)
        {
            throw new EnrollmentFormatException($"{what}: expected a text string, found {r.PeekState()}");
        }

        ReadOnlyMemory<byte> encoded = r.ReadEncodedValue();
        if (encoded.Length > maxBytes + 9)
        {
            throw new EnrollmentFormatException($"{what}: longer than {maxBytes} bytes");
        }

        // The CBOR reader refuses invalid UTF-8 (CborContentException, turned into "malformed" by the codec).
        string text = new CborReader(encoded, CborConformanceMode.Canonical).ReadTextString();
        return StrictUtf8.GetByteCount(text) <= maxBytes ? text : throw new EnrollmentFormatException($"{what}: longer than {maxBytes} bytes");
    }

    public static string? OptionalText(CborReader r, int maxBytes, string what)
    {
        if (r.PeekState() == CborReaderState.Null)
        {
            r.ReadNull();
            return null;
        }

        return Text(r, maxBytes, what);
    }

    public static ulong UInt(CborReader r, string what)
    {
        if (r.PeekState() != CborReaderState.UnsignedInteger)
        {
            throw new EnrollmentFormatException($"{what}: expected an unsigned integer, found {r.PeekState()}");
        }

        return r.ReadUInt64();
    }

    public static ulong? OptionalUInt(CborReader r, string what)
    {
        if (r.PeekState() == CborReaderState.Null)
        {
            r.ReadNull();
            return null;
        }

        return UInt(r, what);
    }

    public static bool Bool(CborReader r, string what) =>
        r.PeekState() == CborReaderState.Boolean ? r.ReadBoolean() : throw new EnrollmentFormatException($"{what}: expected a boolean, found {r.PeekState()}");

    /// <summary>A time as Unix milliseconds; refuses values DateTimeOffset cannot hold.</summary>
    public static DateTimeOffset Time(CborReader r, string what)
    {
        ulong ms = UInt(r, what);
        if (ms > (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw new EnrollmentFormatException($"{what}: {ms} ms is out of range");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
    }

    public static void WriteTime(CborWriter w, DateTimeOffset time) => w.WriteUInt64((ulong)Math.Max(0, time.ToUnixTimeMilliseconds()));

    public static void WriteOptionalText(CborWriter w, string? text)
    {
        if (text is null)
        {
            w.WriteNull();
        }
        else
        {
            w.WriteTextString(text);
        }
    }

    public static void WriteOptionalUInt(CborWriter w, ulong? value)
    {
        if (value is null)
        {
            w.WriteNull();
        }
        else
        {
            w.WriteUInt64(value.Value);
        }
    }

    public static int ArrayStart(CborReader r, int max, string what)
    {
        if (r.PeekState() != CborReaderState.StartArray)
        {
            throw new EnrollmentFormatException($"{what}: expected an array, found {r.PeekState()}");
        }

        int n = r.ReadStartArray() ?? throw new EnrollmentFormatException($"{what}: indefinite length");
        return n <= max ? n : throw new EnrollmentFormatException($"{what}: {n} items, at most {max}");
    }
}
