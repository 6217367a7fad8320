using System.Buffers;
using System.Buffers.Binary;
using Grey.Edge.Transport.Protocol;
using Grey.Raft;

namespace Grey.Edge.Tests.Transport.Protocol;

public sealed class FrameCodecTests
{
    [Fact]
    public void WriteControl_Heartbeat_HasTheDocumentedBytes()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameCodec.WriteControl(output, FrameType.Heartbeat, ProtocolVersion.Current, []);
        var bytes = output.WrittenSpan.ToArray();
        Assert.Equal(new byte[] { 0x47, 0x59, 2, 5, 0, 0, 0, 0, 0x24, 0x21, 0x6b, 0xaf }, bytes); // as in docs/TRANSPORT.md
        Assert.Equal(FrameCodec.Checksum(bytes.AsSpan(0, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
    }

    [Fact]
    public void Checksum_IsCrc32C()
    {
        // The CRC-32C check value of "123456789" (RFC 3720, Appendix B.4).
        Assert.Equal(0xE3069283u, FrameCodec.Checksum("123456789"u8));
    }

    [Theory]
    [InlineData(0, 0x00, (int)DecodeErrorCode.BadMagic)]
    [InlineData(1, 0x00, (int)DecodeErrorCode.BadMagic)]
    [InlineData(2, 3, (int)DecodeErrorCode.UnsupportedVersion)]
    [InlineData(2, 0, (int)DecodeErrorCode.UnsupportedVersion)]
    [InlineData(3, 0, (int)DecodeErrorCode.UnknownFrameType)]
    [InlineData(3, 9, (int)DecodeErrorCode.UnknownFrameType)]
    public void TryDecode_BadHeaderByte_PreciseError(int offset, byte value, int expected)
    {
        var frame = Heartbeat();
        frame[offset] = value;
        Assert.Equal((DecodeErrorCode)expected, FrameCodec.TryDecode(frame, out _, out _)!.Code);
    }

    [Fact]
    public void TryDecode_PreviousVersion_Accepted()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameCodec.WriteControl(output, FrameType.Heartbeat, ProtocolVersion.Previous, []);
        Assert.Null(FrameCodec.TryDecode(output.WrittenMemory, out var frame, out _));
        Assert.Equal(ProtocolVersion.Previous, frame.Header.Version);
    }

    [Theory]
    [InlineData((int)FrameType.Message, ProtocolLimits.MaxMessageFrameBytes)]
    [InlineData((int)FrameType.SnapshotMessage, ProtocolLimits.MaxSnapshotFrameBytes)]
    [InlineData((int)FrameType.Handshake, ProtocolLimits.MaxControlFrameBytes)]
    [InlineData((int)FrameType.Heartbeat, ProtocolLimits.MaxControlFrameBytes)]
    public void TryParse_LengthOneAboveTheTypeLimit_FrameTooLarge(int frameType, int limit)
    {
        var type = (FrameType)frameType;
        var header = new byte[8];
        new FrameHeader(ProtocolVersion.Current, type, 0).Write(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)limit + 1);
        var error = FrameHeader.TryParse(header, out _);
        Assert.Equal(DecodeErrorCode.FrameTooLarge, error!.Code);
        Assert.Contains($"limit of {limit} bytes", error.Detail);

        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)limit);
        Assert.Null(FrameHeader.TryParse(header, out _));
    }

    [Fact]
    public void TryDecode_FlippedPayloadBit_ChecksumMismatch()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameCodec.TryWriteMessage(output, new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 3 }, ProtocolVersion.Current, out _);
        var frame = output.WrittenSpan.ToArray();
        frame[20] ^= 0x04;
        Assert.Equal(DecodeErrorCode.ChecksumMismatch, FrameCodec.TryDecode(frame, out _, out _)!.Code);
    }

    [Fact]
    public void TryDecode_EveryTruncation_Truncated()
    {
        var frame = Heartbeat();
        for (var length = 0; length < frame.Length; length++)
        {
            Assert.Equal(DecodeErrorCode.Truncated, FrameCodec.TryDecode(frame.AsMemory(0, length), out _, out _)!.Code);
        }
    }

    private static byte[] Heartbeat()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameCodec.WriteControl(output, FrameType.Heartbeat, ProtocolVersion.Current, []);
        return output.WrittenSpan.ToArray();
    }
}
