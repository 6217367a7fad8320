using Grey.Edge.StateMachine;
using Grey.Federation.Clock;

namespace Grey.Edge.Tests.StateMachine;

public class CommandCodecTests
{
    private static readonly Command[] Samples =
    [
        new() { Kind = CommandKind.Put, Key = "a/b", Value = new byte[] { 0, 1, 255 }, Condition = CommandCondition.IfRevision, ExpectedRevision = 7, Origin = "n1", Stamp = new HlcTimestamp(1, 2), ProposalId = 99 },
        new() { Kind = CommandKind.Delete, Key = "x", Condition = CommandCondition.IfAbsent, Origin = "n2" },
        new() { Kind = CommandKind.CounterAdd, Key = "c", Amount = -5, Origin = "n3" },
        new() { Kind = CommandKind.SetAdd, Key = "s", Element = "rouge é", Origin = "n3" },
        new() { Kind = CommandKind.SetRemove, Key = "s", Element = "m", Origin = "n3" },
    ];

    [Fact]
    public void EncodeDecode_EveryKind_RoundTrips()
    {
        foreach (var c in Samples)
        {
            Assert.True(CommandCodec.TryDecode(CommandCodec.Encode(c), out var d, out var error), error);
            Assert.Equal(c.Kind, d.Kind);
            Assert.Equal(c.Key, d.Key);
            Assert.Equal(c.Value.ToArray(), d.Value.ToArray());
            Assert.Equal(c with { Value = d.Value }, d);
        }
    }

    [Fact]
    public void Encode_InvalidKeyOrOversizedValue_Throws()
    {
        Assert.Throws<ArgumentException>(() => CommandCodec.Encode(new Command { Kind = CommandKind.Put, Key = "bad key", Origin = "n1" }));
        Assert.Throws<ArgumentException>(() => CommandCodec.Encode(new Command { Kind = CommandKind.Put, Key = "k", Value = new byte[CommandCodec.MaxValueBytes + 1], Origin = "n1" }));
    }

    [Fact]
    public void Encode_Put_WritesTheDocumentedLayout()
    {
        var bytes = CommandCodec.Encode(Samples[0]);
        byte[] expected =
        [
            1, (byte)CommandKind.Put, (byte)CommandCondition.IfRevision,
            7, 0, 0, 0, 0, 0, 0, 0,
            99, 0, 0, 0, 0, 0, 0, 0,
            1, 0, 0, 0, 0, 0, 0, 0,
            2, 0,
            2, (byte)'n', (byte)'1',
            3, 0, (byte)'a', (byte)'/', (byte)'b',
            3, 0, 0, 0, 0, 1, 255,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Encode_SetMemberOfMultiByteCharacters_CountsBytesNotCharacters()
    {
        var command = new Command { Kind = CommandKind.SetAdd, Key = "s", Element = "éé€", Origin = "n3" };
        var bytes = CommandCodec.Encode(command);
        Assert.Equal(7, bytes[^9] | (bytes[^8] << 8));
        Assert.True(CommandCodec.TryDecode(bytes, out var decoded, out var error), error);
        Assert.Equal("éé€", decoded.Element);
    }

    [Fact]
    public void TryValidate_WithOrigin_ChecksThatOriginInsteadOfTheCommands()
    {
        var noOrigin = new Command { Kind = CommandKind.Put, Key = "k" };
        Assert.False(CommandCodec.TryValidate(noOrigin, out _));
        Assert.True(CommandCodec.TryValidate(noOrigin, "n1", out var error), error);
        Assert.False(CommandCodec.TryValidate(Samples[0], "Not An Id", out error));
        Assert.Contains("Not An Id", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_TrailingByte_Refused()
    {
        var bytes = CommandCodec.Encode(Samples[1]);
        Assert.False(CommandCodec.TryDecode([.. bytes, 0], out _, out var error));
        Assert.Contains("delete", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_Fuzzed_NeverThrows()
    {
        var seed = 5150;
        Console.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        var accepted = 0;
        for (var i = 0; i < 20000; i++)
        {
            var bytes = CommandCodec.Encode(Samples[rng.Next(Samples.Length)]);
            switch (rng.Next(3))
            {
                case 0: bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8)); break;
                case 1: bytes = bytes[..rng.Next(bytes.Length)]; break;
                default: rng.NextBytes(bytes.AsSpan(rng.Next(bytes.Length))); break;
            }

            if (CommandCodec.TryDecode(bytes, out var d, out _))
            {
                accepted++;
                Assert.True(CommandCodec.TryValidate(d, out _));
            }
        }

        Assert.True(accepted < 20000);
    }

    [Fact]
    public void SiteRecord_RoundTripAndFuzz()
    {
        var records = new[]
        {
            new SiteRecord(SiteRecordKind.Epoch, Epoch: 5),
            new SiteRecord(SiteRecordKind.MemberApi, NodeId: 2, ApiAddress: "http://127.0.0.1:80"),
            new SiteRecord(SiteRecordKind.MemberPeer, NodeId: 4, PeerAddress: "127.0.0.1:7004"),
        };
        foreach (var r in records)
        {
            Assert.True(SiteRecordCodec.TryDecode(SiteRecordCodec.Encode(r), out var d, out var e), e);
            Assert.Equal(r, d);
        }

        var rng = new Random(77);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = SiteRecordCodec.Encode(records[i % records.Length]);
            bytes = rng.Next(2) == 0 ? bytes[..rng.Next(bytes.Length)] : [.. bytes, (byte)rng.Next(256)];
            Assert.False(SiteRecordCodec.TryDecode(bytes, out _, out _));
        }
    }

    [Fact]
    public void SiteRecord_MemberPeerWithoutAddress_RefusedBothWays()
    {
        Assert.Throws<ArgumentException>(() => SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.MemberPeer, NodeId: 4)));

        // The same bytes as an empty member API record, relabelled: a peer record must carry an address.
        var bytes = SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.MemberApi, NodeId: 4));
        bytes[1] = (byte)SiteRecordKind.MemberPeer;
        Assert.False(SiteRecordCodec.TryDecode(bytes, out _, out var error));
        Assert.Contains("address", error, StringComparison.Ordinal);
    }
}
