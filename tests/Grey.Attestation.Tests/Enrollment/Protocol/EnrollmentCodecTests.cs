using System.Formats.Cbor;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Enrollment.Protocol;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Tests.Enrollment.Protocol;

public sealed class EnrollmentCodecTests
{
    /// <summary>One message of every type, with every optional field both present and absent somewhere.</summary>
    internal static EnrollmentMessage[] Samples() =>
    [
        new EnrollRequest("node-1", "plant-7", Bytes(1, 90), Bytes(2, 600), [Bytes(3, 500), Bytes(4, 400)], Bytes(5, 88), Bytes(6, 91), "token", 42),
        new EnrollRequest("node-2", "plant-7", Bytes(1, 90), Bytes(2, 600), [], Bytes(5, 88), Bytes(6, 91), null, null),
        new EnrollChallenge(Bytes(7, 16), Bytes(8, 68), Bytes(9, 256), DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000)),
        new ActivateRequest(Bytes(7, 16), Bytes(10, 32)),
        new EnrolledReply("eu-west", "node-1", Bytes(11, 400), Bytes(12, 350), Bytes(13, 380)),
        new NonceRequest("node-1"),
        new NonceReply(Bytes(14, 32), "sha256:0,10,16", 16, DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_060_000)),
        new NonceReply(Bytes(14, 32), string.Empty, null, DateTimeOffset.UnixEpoch),
        new QuoteResponse("node-1", new QuoteEvidence(Bytes(15, 145), Bytes(16, 72), Bytes(17, 88), Bytes(18, 668), Bytes(19, 300), Bytes(20, 400))),
        new AttestationOutcomeReply(Bytes(21, 300), DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_300_000), true, false, Bytes(22, 380)),
        new Refusal("nonce-reused", "the nonce was already used"),
    ];

    [Fact]
    public void EncodeDecode_EveryMessageType_RoundTripsByteForByte()
    {
        foreach (EnrollmentMessage message in Samples())
        {
            byte[] wire = EnrollmentCodec.Encode(message);
            DecodedMessage decoded = EnrollmentCodec.Decode(wire);
            Assert.True(decoded.Ok, $"{message.Type}: {decoded.Error}");
            Assert.Equal(message.Type, decoded.Message!.Type);
            Assert.Equal(wire, EnrollmentCodec.Encode(decoded.Message));
        }
    }

    [Fact]
    public void Decode_NextVersion_RefusedUnsupportedVersion()
    {
        CborWriter w = new(CborConformanceMode.Canonical);
        w.WriteStartArray(3);
        w.WriteUInt32(EnrollmentCodec.CurrentVersion + 1);
        w.WriteUInt32((uint)EnrollmentMessageType.NonceRequest);
        w.WriteTextString("node-1");
        w.WriteEndArray();
        DecodedMessage decoded = EnrollmentCodec.Decode(w.Encode());
        Assert.Equal(RefusalCodes.UnsupportedVersion, decoded.Code);
        Assert.Equal(1, EnrollmentCodec.OldestAcceptedVersion);
    }

    [Fact]
    public void Decode_TrailingByte_RefusedMalformed()
    {
        byte[] wire = [.. EnrollmentCodec.Encode(new NonceRequest("node-1")), 0x00];
        Assert.Equal(RefusalCodes.Malformed, EnrollmentCodec.Decode(wire).Code);
    }

    [Fact]
    public void Decode_NonCanonicalInteger_RefusedMalformed()
    {
        // [1, 5, "n"] with the version written as a one-byte-follow integer (0x18 0x01) instead of 0x01.
        byte[] wire = [0x83, 0x18, 0x01, 0x05, 0x61, (byte)'n'];
        byte[] canonical = [0x83, 0x01, 0x05, 0x61, (byte)'n'];
        Assert.Equal(RefusalCodes.Malformed, EnrollmentCodec.Decode(wire).Code);
        Assert.True(EnrollmentCodec.Decode(canonical).Ok);
    }

    [Fact]
    public void Decode_WrongFieldCountAndUnknownType_RefusedMalformed()
    {
        byte[] extraField = [0x84, 0x01, 0x05, 0x61, (byte)'n', 0x61, (byte)'m'];
        byte[] unknownType = [0x83, 0x01, 0x18, 0x63, 0x61, (byte)'n'];
        Assert.Contains("fields", EnrollmentCodec.Decode(extraField).Error, StringComparison.Ordinal);
        Assert.Contains("unknown", EnrollmentCodec.Decode(unknownType).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_OversizedMessageAndField_RefusedBeforeAllocating()
    {
        Assert.Equal(RefusalCodes.Malformed, EnrollmentCodec.Decode(new byte[EnrollmentLimits.MaxMessageBytes + 1]).Code);
        var big = new ActivateRequest(new byte[16], new byte[EnrollmentLimits.MaxSecretBytes + 1]);
        DecodedMessage decoded = EnrollmentCodec.Decode(EnrollmentCodec.Encode(big));
        Assert.Contains("activatedSecret", decoded.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_InvalidUtf8Text_RefusedMalformed()
    {
        byte[] wire = [0x83, 0x01, 0x05, 0x62, 0xC3, 0x28];
        Assert.Equal(RefusalCodes.Malformed, EnrollmentCodec.Decode(wire).Code);
    }

    [Fact]
    public void RefusalOf_LongMessage_CutToWireLimit()
    {
        Refusal r = Refusal.Of("x", new string('é', 4000));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(r.Message) <= EnrollmentLimits.MaxRefusalMessageBytes);
        Assert.True(EnrollmentCodec.Decode(EnrollmentCodec.Encode(r)).Ok);
    }

    private static byte[] Bytes(int seed, int length)
    {
        var r = new Random(seed);
        byte[] b = new byte[length];
        r.NextBytes(b);
        return b;
    }
}
