using System.Buffers;
using Grey.Edge.Transport.Protocol;

namespace Grey.Edge.Tests.Transport.Protocol;

public sealed class HandshakeCodecTests
{
    [Fact]
    public void TryDecodeHandshake_WrittenHandshake_RoundTrips()
    {
        var output = new ArrayBufferWriter<byte>();
        HandshakeCodec.WriteHandshake(output, new Handshake(ProtocolVersion.Current, "plant-7", 3, 9));
        Assert.Null(FrameCodec.TryDecode(output.WrittenMemory, out var frame, out _));
        Assert.Equal(FrameType.Handshake, frame.Header.Type);
        Assert.Null(HandshakeCodec.TryDecodeHandshake(frame.Payload, frame.Header.Version, out var h));
        Assert.Equal(new Handshake(ProtocolVersion.Current, "plant-7", 3, 9), h);
    }

    [Theory]
    [InlineData(new byte[] { }, (int)DecodeErrorCode.Truncated)]
    [InlineData(new byte[] { 0 }, (int)DecodeErrorCode.MalformedPayload)]
    [InlineData(new byte[] { 64 }, (int)DecodeErrorCode.MalformedPayload)]
    [InlineData(new byte[] { 2, (byte)'a' }, (int)DecodeErrorCode.Truncated)]
    [InlineData(new byte[] { 1, (byte)'A', 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0 }, (int)DecodeErrorCode.MalformedPayload)]
    [InlineData(new byte[] { 1, (byte)'a', 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0 }, (int)DecodeErrorCode.MalformedPayload)]
    [InlineData(new byte[] { 1, (byte)'a', 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0 }, (int)DecodeErrorCode.Truncated)]
    [InlineData(new byte[] { 1, (byte)'a', 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 7 }, (int)DecodeErrorCode.MalformedPayload)]
    public void TryDecodeHandshake_Malformed_PreciseError(byte[] payload, int expected)
    {
        Assert.Equal((DecodeErrorCode)expected, HandshakeCodec.TryDecodeHandshake(payload, ProtocolVersion.Current, out var h)!.Code);
        Assert.Null(h);
    }

    [Fact]
    public void TryDecodeRefusal_WrittenRefusal_RoundTripsAndCutsLongText()
    {
        var output = new ArrayBufferWriter<byte>();
        HandshakeCodec.WriteRefusal(output, ProtocolVersion.Current, RefusalReason.WrongSite, new string('x', 2000));
        Assert.Null(FrameCodec.TryDecode(output.WrittenMemory, out var frame, out _));
        Assert.Null(HandshakeCodec.TryDecodeRefusal(frame.Payload, out var reason, out var text));
        Assert.Equal(RefusalReason.WrongSite, reason);
        Assert.Equal(ProtocolLimits.MaxRefusalTextBytes, text.Length);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("site-01", true)]
    [InlineData("-site", false)]
    [InlineData("Site", false)]
    [InlineData("", false)]
    [InlineData("a_b", false)]
    public void IsValidSiteId_FollowsTheIdentifierRule(string id, bool valid) => Assert.Equal(valid, HandshakeCodec.IsValidSiteId(id));
}
