using System.Formats.Cbor;
using System.IO.Compression;
using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Encoding;

namespace Grey.Federation.Signing;

/// <summary>
/// A signed message as it travels and is stored: the CBOR array <c>[content bytes, SignedData bytes]</c>,
/// where the SignedData signs exactly the content bytes. Optionally wrapped for compression as
/// <c>[1, uncompressed length, DEFLATE bytes]</c>; the signature is always over the uncompressed content,
/// and decompression stops at the decoder's cap (<see cref="FederationLimits.MaxEnvelopeBytes"/> for deltas).
/// </summary>
public sealed class SignedEnvelope
{
    /// <summary>Wire code of the only compression algorithm: raw DEFLATE (RFC 1951).</summary>
    public const int DeflateAlgorithm = 1;

    private SignedEnvelope(ReadOnlyMemory<byte> content, ReadOnlyMemory<byte> signedData, byte[] keyId, bool wasCompressed)
    {
        Content = content;
        SignedData = signedData;
        KeyId = keyId;
        WasCompressed = wasCompressed;
    }

    /// <summary>The signed content bytes (a canonical message).</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>The SignedData bytes (one accepted DER profile).</summary>
    public ReadOnlyMemory<byte> SignedData { get; }

    /// <summary>The subject key identifier naming the signer.</summary>
    public ReadOnlyMemory<byte> KeyId { get; }

    /// <summary>Whether the envelope arrived compressed.</summary>
    public bool WasCompressed { get; }

    /// <summary>Encodes <c>[content, signedData]</c>.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> content, ReadOnlySpan<byte> signedData)
    {
        // Written directly into one array of the exact size: a CBOR writer would buffer a delta of up to 1 MiB and
        // then copy it out. The heads are the shortest forms, as the canonical reader demands.
        byte[] bytes = new byte[1 + Cbor.HeadLength(content.Length) + content.Length + Cbor.HeadLength(signedData.Length) + signedData.Length];
        bytes[0] = Cbor.ArrayMajor | 2;
        int at = 1;
        at += WriteByteString(bytes.AsSpan(at), content);
        WriteByteString(bytes.AsSpan(at), signedData);
        return bytes;
    }

    private static int WriteByteString(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        int head = Cbor.WriteHead(destination, Cbor.ByteStringMajor, value.Length);
        value.CopyTo(destination[head..]);
        return head + value.Length;
    }

    /// <summary>Wraps an encoded envelope in the compression wrapper. Throws when it is above the size cap.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> envelope)
    {
        const int max = FederationLimits.MaxRegionStateBytes + FederationLimits.MaxSignedDataBytes + 64;
        if (envelope.Length > max)
        {
            throw new ArgumentException($"envelope above {max} bytes", nameof(envelope));
        }

        // The fastest level: a delta's values are mostly incompressible application bytes, and what DEFLATE finds is the
        // repeated framing and key prefixes, which the fast level finds too at a fraction of the CPU of the optimal one.
        using var buffer = new MemoryStream(envelope.Length / 2 + 256);
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(envelope);
        }

        ReadOnlySpan<byte> compressed = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        CborWriter w = Cbor.Writer(compressed.Length + 32);
        w.WriteStartArray(3);
        w.WriteUInt32(DeflateAlgorithm);
        w.WriteUInt32((uint)envelope.Length);
        w.WriteByteString(compressed);
        w.WriteEndArray();
        return w.Encode();
    }

    /// <summary>Bytes of an envelope <see cref="WorthCompressing"/> compresses to predict the whole.</summary>
    public const int CompressionSampleBytes = 32 * 1024;

    /// <summary>
    /// Whether compressing <paramref name="envelope"/> is likely to save at least <paramref name="minSaving"/> (a fraction):
    /// a large envelope is judged by compressing its first <see cref="CompressionSampleBytes"/> bytes, since a delta of
    /// incompressible values would otherwise cost a full DEFLATE pass at the sender only to be sent uncompressed.
    /// </summary>
    public static bool WorthCompressing(ReadOnlySpan<byte> envelope, double minSaving)
    {
        if (envelope.Length <= 2 * CompressionSampleBytes)
        {
            return true;
        }

        ReadOnlySpan<byte> sample = envelope[..CompressionSampleBytes];
        using var buffer = new MemoryStream(CompressionSampleBytes + 256);
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(sample);
        }

        return buffer.Length <= sample.Length * (1 - minSaving);
    }

    /// <summary>
    /// Decodes an envelope, compressed or not; checks the SignedData profile. Never throws for bad input.
    /// <paramref name="maxContentBytes"/> caps the content: <see cref="FederationLimits.MaxDeltaBytes"/> by
    /// default, up to <see cref="FederationLimits.MaxRegionStateBytes"/> for signed region deltas.
    /// </summary>
    public static DecodeResult<SignedEnvelope> Decode(ReadOnlyMemory<byte> wire, int maxContentBytes = FederationLimits.MaxDeltaBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxContentBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxContentBytes, FederationLimits.MaxRegionStateBytes);
        return Cbor.Guard("envelope", () => DecodeCore(wire, maxContentBytes));
    }

    private static SignedEnvelope DecodeCore(ReadOnlyMemory<byte> wire, int maxContentBytes)
    {
        int maxWire = maxContentBytes + FederationLimits.MaxSignedDataBytes + 64;
        if (wire.Length > maxWire)
        {
            throw FormatDecodeException.TooLarge($"envelope: {wire.Length} bytes, at most {maxWire} allowed");
        }

        CborReader r = Cbor.Reader(wire);
        int n = Cbor.ReadArray(r, Cbor.MaxTupleItems, "envelope");
        if (n == 3)
        {
            return ReadCompressed(r, maxWire, maxContentBytes);
        }

        if (n != 2)
        {
            throw FormatDecodeException.Malformed($"envelope: {n} items, expected [content, SignedData] or [1, length, deflate]");
        }

        return ReadPlain(r, wasCompressed: false, maxContentBytes);
    }

    /// <summary>Verifies the signature over <see cref="Content"/> with the certificate the lookup returns.</summary>
    public SignatureCheck Verify(Func<ReadOnlyMemory<byte>, X509Certificate2?> lookup) =>
        SignatureVerifier.Verify(Content.Span, SignedData.Span, lookup);

    private static SignedEnvelope ReadPlain(CborReader r, bool wasCompressed, int maxContentBytes)
    {
        // A slice of the input, not a copy: the content is read (decoded, hashed) and never written through.
        ReadOnlyMemory<byte> content = Cbor.ReadBytesSlice(r, maxContentBytes, "envelope content");
        byte[] signedData = Cbor.ReadBytes(r, FederationLimits.MaxSignedDataBytes, "envelope SignedData");
        r.ReadEndArray();
        Cbor.ExpectEnd(r, "envelope");
        if (!CmsProfile.TryParse(signedData, out byte[] keyId, out _, out string error))
        {
            throw FormatDecodeException.Malformed(error);
        }

        return new SignedEnvelope(content, signedData, keyId, wasCompressed);
    }

    private static SignedEnvelope ReadCompressed(CborReader r, int maxWire, int maxContentBytes)
    {
        ulong algorithm = r.ReadUInt64();
        if (algorithm != DeflateAlgorithm)
        {
            throw FormatDecodeException.Malformed($"envelope: unknown compression algorithm {algorithm}");
        }

        ulong length = r.ReadUInt64();
        if (length > (ulong)maxWire)
        {
            throw FormatDecodeException.TooLarge($"envelope: decompressed size {length} above {maxWire}");
        }

        byte[] compressed = Cbor.ReadBytes(r, maxWire, "compressed envelope");
        r.ReadEndArray();
        Cbor.ExpectEnd(r, "envelope");

        // Read one byte more than declared: a stream that yields it is larger than it claims (a bomb or a lie).
        byte[] plain = new byte[(int)length + 1];
        int total = 0;
        try
        {
            using var deflate = new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress);
            int read;
            while (total < plain.Length && (read = deflate.Read(plain, total, plain.Length - total)) > 0)
            {
                total += read;
            }
        }
        catch (InvalidDataException e)
        {
            throw FormatDecodeException.Malformed($"envelope: DEFLATE data is corrupt: {e.Message}");
        }

        if (total != (int)length)
        {
            throw total > (int)length
                ? FormatDecodeException.TooLarge($"envelope: decompresses beyond its declared {length} bytes")
                : FormatDecodeException.Malformed($"envelope: decompresses to {total} bytes, declared {length}");
        }

        CborReader inner = Cbor.Reader(plain.AsMemory(0, total));
        if (Cbor.ReadArray(inner, Cbor.MaxTupleItems, "envelope") != 2)
        {
            throw FormatDecodeException.Malformed("compressed envelope: the inner value is not [content, SignedData]");
        }

        return ReadPlain(inner, wasCompressed: true, maxContentBytes);
    }
}
