using Grey.Edge.Daemon.Api;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;
using Xunit.Abstractions;

namespace Grey.Edge.Daemon.Tests.Api;

public class ForwardBatchCodecTests(ITestOutputHelper output)
{
    private static byte[] Encoded(string key, int valueBytes = 8) =>
        CommandCodec.Encode(new Command { Kind = CommandKind.Put, Key = key, Value = new byte[valueBytes], Origin = "n2" });

    [Fact]
    public void DecodeRequest_EncodedBatch_ReturnsTheSameCommandsInOrder()
    {
        byte[][] commands = [Encoded("a"), Encoded("b/c", 300), Encoded("d", 0)];
        Assert.True(ForwardBatchCodec.TryDecodeRequest(ForwardBatchCodec.EncodeRequest(commands), out var decoded, out var error), error);
        Assert.Equal(commands.Length, decoded.Length);
        for (var i = 0; i < commands.Length; i++)
        {
            Assert.Equal(commands[i], decoded[i].ToArray());
            Assert.True(CommandCodec.TryDecode(decoded[i].Span, out _, out _));
        }
    }

    [Fact]
    public void DecodeRequest_EveryTruncationAndOneTrailingByte_Fails()
    {
        var body = ForwardBatchCodec.EncodeRequest([Encoded("a"), Encoded("b")]);
        for (var length = 0; length < body.Length; length++)
        {
            Assert.False(ForwardBatchCodec.TryDecodeRequest(body.AsMemory(0, length), out _, out _), $"a batch cut to {length} of {body.Length} bytes decoded");
        }

        Assert.False(ForwardBatchCodec.TryDecodeRequest(body.Concat(new byte[] { 0 }).ToArray(), out _, out var trailing));
        Assert.Contains("trailing", trailing, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeRequest_BadVersionZeroCountOrZeroLength_Fails()
    {
        var body = ForwardBatchCodec.EncodeRequest([Encoded("a")]);
        var badVersion = (byte[])body.Clone();
        badVersion[0] = 2;
        Assert.False(ForwardBatchCodec.TryDecodeRequest(badVersion, out _, out _));
        Assert.False(ForwardBatchCodec.TryDecodeRequest(new byte[] { 1, 0, 0 }, out _, out _));
        Assert.False(ForwardBatchCodec.TryDecodeRequest(new byte[] { 1, 1, 0, 0, 0, 0, 0 }, out _, out _));
    }

    [Fact]
    public void EncodeRequest_TooManyCommands_Throws()
    {
        var commands = Enumerable.Range(0, ForwardBatchCodec.MaxCommands + 1).Select(i => Encoded("k" + i)).ToArray();
        Assert.Throws<ArgumentException>(() => ForwardBatchCodec.EncodeRequest(commands));
        Assert.Throws<ArgumentException>(() => ForwardBatchCodec.EncodeRequest([]));
    }

    [Fact]
    public void DecodeAnswer_EncodedResults_RoundTrip()
    {
        ProposalResult[] results =
        [
            new(ProposalStatus.Applied, new CommandOutcome(CommandStatus.Ok, 7, 0, 42)),
            new(ProposalStatus.Applied, new CommandOutcome(CommandStatus.Ok, 3, -12, 43)),
            ProposalResult.Fail(ProposalStatus.Unknown, "leadership changed: é"),
            new(ProposalStatus.Applied, new CommandOutcome(CommandStatus.PreconditionFailed, 9)),
        ];
        Assert.True(ForwardBatchCodec.TryDecodeAnswer(ForwardBatchCodec.EncodeAnswer(results), results.Length, out var decoded, out var error), error);
        Assert.Equal(results, decoded);
    }

    [Fact]
    public void DecodeAnswer_WrongCountTruncatedOrUnknownStatus_Fails()
    {
        var body = ForwardBatchCodec.EncodeAnswer([new ProposalResult(ProposalStatus.Applied, new CommandOutcome(CommandStatus.Ok, 1)), ProposalResult.Fail(ProposalStatus.NoLeader, "x")]);
        Assert.False(ForwardBatchCodec.TryDecodeAnswer(body, 3, out _, out _));
        for (var length = 0; length < body.Length; length++)
        {
            Assert.False(ForwardBatchCodec.TryDecodeAnswer(body.AsSpan(0, length), 2, out _, out _), $"an answer cut to {length} bytes decoded");
        }

        var unknown = (byte[])body.Clone();
        unknown[3] = 200;
        Assert.False(ForwardBatchCodec.TryDecodeAnswer(unknown, 2, out _, out var error));
        Assert.Contains("unknown status", error, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeAnswer_LongError_IsCutOnACharacterBoundary()
    {
        var text = new string('é', ForwardBatchCodec.MaxErrorBytes);
        var body = ForwardBatchCodec.EncodeAnswer([ProposalResult.Fail(ProposalStatus.Unknown, text)]);
        Assert.True(ForwardBatchCodec.TryDecodeAnswer(body, 1, out var decoded, out var error), error);
        Assert.Equal(new string('é', ForwardBatchCodec.MaxErrorBytes / 2), decoded[0].Error);
    }

    [Fact]
    public void Decode_RandomAndMutatedBytes_NeverThrow()
    {
        const int seed = 5150;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var request = ForwardBatchCodec.EncodeRequest([Encoded("a"), Encoded("b", 40)]);
        var answer = ForwardBatchCodec.EncodeAnswer([ProposalResult.Fail(ProposalStatus.Unknown, "why"), new ProposalResult(ProposalStatus.Applied, new CommandOutcome(CommandStatus.Ok, 1))]);
        for (var round = 0; round < 20_000; round++)
        {
            byte[] bytes;
            if (round % 2 == 0)
            {
                bytes = new byte[random.Next(0, 64)];
                random.NextBytes(bytes);
                if (bytes.Length > 0)
                {
                    bytes[0] = ForwardBatchCodec.Version;
                }
            }
            else
            {
                bytes = (byte[])(round % 4 == 1 ? request : answer).Clone();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }
            }

            _ = ForwardBatchCodec.TryDecodeRequest(bytes, out _, out _);
            _ = ForwardBatchCodec.TryDecodeAnswer(bytes, 2, out _, out _);
        }
    }
}
