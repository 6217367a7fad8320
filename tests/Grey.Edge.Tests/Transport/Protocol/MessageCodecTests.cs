using System.Buffers;
using Grey.Edge.Transport.Protocol;
using Grey.Raft;
using static Grey.Edge.Tests.Transport.TransportTestKit;

namespace Grey.Edge.Tests.Transport.Protocol;

public sealed class MessageCodecTests
{
    public static TheoryData<int, byte> EveryTypeAndVersion()
    {
        var data = new TheoryData<int, byte>();
        for (var i = 0; i < EveryMessageType().Count; i++)
        {
            data.Add(i, ProtocolVersion.Current);
            data.Add(i, ProtocolVersion.Previous);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryTypeAndVersion))]
    public void TryDecode_EveryMessageTypeThroughAFrame_RoundTrips(int index, byte version)
    {
        var original = EveryMessageType()[index];
        if (version < 2 && original.Snapshot is not null)
        {
            // v1 has no LearnersNext/AutoLeave: round-trip a simple configuration instead.
            original = original with { Snapshot = original.Snapshot with { Metadata = original.Snapshot.Metadata with { ConfState = ConfState.OfVoters(1, 2, 3) } } };
        }

        var output = new ArrayBufferWriter<byte>();
        Assert.Null(FrameCodec.TryWriteMessage(output, original, version, out var frameBytes));
        Assert.Equal(output.WrittenCount, frameBytes);

        Assert.Null(FrameCodec.TryDecode(output.WrittenMemory, out var frame, out var consumed));
        Assert.Equal(frameBytes, consumed);
        Assert.Equal(version, frame.Header.Version);
        Assert.Equal(original.Type == MessageType.Snapshot ? FrameType.SnapshotMessage : FrameType.Message, frame.Header.Type);
        Assert.Null(FrameCodec.TryDecodeMessage(frame, out var decoded));
        AssertSameMessage(original, decoded!);
    }

    [Fact]
    public void WireValues_MessageTypesAndEntryKinds_ArePinned()
    {
        // The codec writes Grey.Raft's enum values as they are: reordering either enum would change the wire
        // format (docs/TRANSPORT.md), so this test pins them.
        MessageType[] types = [MessageType.PreVote, MessageType.PreVoteResponse, MessageType.Vote, MessageType.VoteResponse, MessageType.Append,
            MessageType.AppendResponse, MessageType.Heartbeat, MessageType.HeartbeatResponse, MessageType.Snapshot, MessageType.TimeoutNow,
            MessageType.ReadIndex, MessageType.ReadIndexResponse, MessageType.TransferLeader];
        Assert.Equal(Enumerable.Range(2, 13), types.Select(t => (int)t));
        Assert.Equal([0, 1, 2, 3], new[] { EntryKind.Data, EntryKind.NoOp, EntryKind.ConfChange, EntryKind.Record }.Select(k => (int)k));
        Assert.Equal(EveryMessageType().Select(m => m.Type), types);
    }

    [Fact]
    public void TryGetEncodedSize_JointConfigurationInV1_RefusedWithReason()
    {
        var snapshot = EveryMessageType().Single(m => m.Type == MessageType.Snapshot);
        var error = MessageCodec.TryGetEncodedSize(snapshot, ProtocolVersion.Previous, out _);
        Assert.Contains("cannot carry", error);
    }

    [Fact]
    public void TryGetEncodedSize_LocalType_Refused()
    {
        var error = MessageCodec.TryGetEncodedSize(new Message { Type = MessageType.Hup, From = 1, To = 2 }, ProtocolVersion.Current, out _);
        Assert.Contains("local message type", error);
    }

    [Fact]
    public void TryWriteMessage_TooManyEntries_RefusedAndNothingWritten()
    {
        var entries = Enumerable.Range(1, ProtocolLimits.MaxEntriesPerMessage + 1).Select(i => new Entry(1, (ulong)i, EntryKind.NoOp, default)).ToArray();
        var output = new ArrayBufferWriter<byte>();
        var error = FrameCodec.TryWriteMessage(output, new Message { Type = MessageType.Append, From = 1, To = 2, Term = 1, Entries = entries }, ProtocolVersion.Current, out _);
        Assert.Contains($"exceed the limit of {ProtocolLimits.MaxEntriesPerMessage}", error);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void TryWriteMessage_AppendAboveMaxFrame_RefusedWithLimit()
    {
        var big = new Entry(1, 1, EntryKind.Data, new byte[ProtocolLimits.MaxMessageFrameBytes]);
        var output = new ArrayBufferWriter<byte>();
        var error = FrameCodec.TryWriteMessage(output, new Message { Type = MessageType.Append, From = 1, To = 2, Term = 1, Entries = [big] }, ProtocolVersion.Current, out _);
        Assert.Contains($"exceeds the limit of {ProtocolLimits.MaxMessageFrameBytes} bytes", error);
    }

    [Fact]
    public void TryDecode_EntryCountAboveLimit_LimitExceededBeforeAllocation()
    {
        var payload = Payload(new Message { Type = MessageType.Append, From = 1, To = 2, Term = 1 });
        var countOffset = MessageCodec.FixedSize + 4;
        BitConverter.TryWriteBytes(payload.AsSpan(countOffset), (uint)ProtocolLimits.MaxEntriesPerMessage + 1);
        var error = MessageCodec.TryDecode(payload, ProtocolVersion.Current, out var m);
        Assert.Null(m);
        Assert.Equal(DecodeErrorCode.LimitExceeded, error!.Code);
        Assert.Contains("65537 entries", error.Detail);
    }

    [Fact]
    public void TryDecode_EntryCountLargerThanPayload_Truncated()
    {
        var payload = Payload(new Message { Type = MessageType.Append, From = 1, To = 2, Term = 1 });
        BitConverter.TryWriteBytes(payload.AsSpan(MessageCodec.FixedSize + 4), 1000u);
        Assert.Equal(DecodeErrorCode.Truncated, MessageCodec.TryDecode(payload, ProtocolVersion.Current, out _)!.Code);
    }

    [Fact]
    public void TryDecode_ContextAboveLimit_LimitExceeded()
    {
        var payload = Payload(new Message { Type = MessageType.ReadIndex, From = 1, To = 2, Term = 1 });
        BitConverter.TryWriteBytes(payload.AsSpan(MessageCodec.FixedSize), (uint)ProtocolLimits.MaxContextBytes + 1);
        var error = MessageCodec.TryDecode(payload, ProtocolVersion.Current, out _);
        Assert.Equal(DecodeErrorCode.LimitExceeded, error!.Code);
    }

    [Theory]
    [InlineData(0, "not a network message type")] // Hup
    [InlineData(15, "not a network message type")] // Unreachable
    [InlineData(200, "not a network message type")]
    public void TryDecode_NonNetworkType_Malformed(byte type, string expected)
    {
        var payload = Payload(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 1 });
        payload[0] = type;
        var error = MessageCodec.TryDecode(payload, ProtocolVersion.Current, out _);
        Assert.Equal(DecodeErrorCode.MalformedPayload, error!.Code);
        Assert.Contains(expected, error.Detail);
    }

    [Fact]
    public void TryDecode_UnknownFlagBitsOrEntryKind_Malformed()
    {
        var payload = Payload(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 1 });
        payload[MessageCodec.FixedSize - 1] = 0x80;
        Assert.Contains("unknown flag bits", MessageCodec.TryDecode(payload, ProtocolVersion.Current, out _)!.Detail);

        var append = Payload(new Message { Type = MessageType.Append, From = 1, To = 2, Term = 1, Entries = [new Entry(1, 1, EntryKind.Data, new byte[] { 1 })] });
        append[MessageCodec.FixedSize + 4 + 4 + 16] = 9;
        Assert.Contains("unknown kind 9", MessageCodec.TryDecode(append, ProtocolVersion.Current, out _)!.Detail);
    }

    [Fact]
    public void TryDecode_TrailingBytes_Malformed()
    {
        var payload = Payload(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 1 });
        var longer = payload.Concat(new byte[] { 0 }).ToArray();
        var error = MessageCodec.TryDecode(longer, ProtocolVersion.Current, out _);
        Assert.Contains("1 trailing bytes", error!.Detail);
    }

    [Fact]
    public void TryDecodeMessage_SnapshotInAMessageFrame_ProtocolViolation()
    {
        var snapshot = EveryMessageType().Single(m => m.Type == MessageType.Snapshot);
        var payload = Payload(snapshot);
        var frame = new Frame(new FrameHeader(ProtocolVersion.Current, FrameType.Message, payload.Length), payload);
        Assert.Equal(DecodeErrorCode.ProtocolViolation, FrameCodec.TryDecodeMessage(frame, out _)!.Code);
    }

    [Fact]
    public void TryDecode_V2PayloadReadAsV1_DoesNotDecodeSilently()
    {
        // A joint configuration written as v2 must not be mistaken for a v1 payload: the extra fields are trailing bytes.
        var snapshot = EveryMessageType().Single(m => m.Type == MessageType.Snapshot);
        var error = MessageCodec.TryDecode(Payload(snapshot), ProtocolVersion.Previous, out _);
        Assert.NotNull(error);
    }

    private static byte[] Payload(Message m)
    {
        Assert.Null(MessageCodec.TryGetEncodedSize(m, ProtocolVersion.Current, out var size));
        var payload = new byte[size];
        MessageCodec.Write(payload, m, ProtocolVersion.Current);
        return payload;
    }
}
