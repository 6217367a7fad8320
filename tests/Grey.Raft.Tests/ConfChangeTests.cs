namespace Grey.Raft.Tests;

public sealed class ConfChangeTests
{
    private static readonly ConfChange[] SampleChanges =
    [
        ConfChange.AddVoter(1),
        ConfChange.AddLearner(ulong.MaxValue),
        ConfChange.RemoveNode(7),
        ConfChange.LeaveJoint(),
        new ConfChange([new(ConfChangeType.AddVoter, 4), new(ConfChangeType.RemoveNode, 3)], ConfChangeTransition.JointExplicit),
        new ConfChange([new(ConfChangeType.AddLearner, 2)], ConfChangeTransition.JointImplicit),
    ];

    public static TheoryData<ConfChange> Samples() => new(SampleChanges);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Encode_Decode_RoundTrips(ConfChange cc)
    {
        var bytes = cc.Encode();
        Assert.Equal(cc, ConfChange.Decode(bytes));
        Assert.True(bytes.Length <= ConfChange.MaxEncodedSize);
    }

    [Fact]
    public void Encode_TooManyChanges_Throws()
    {
        var cc = new ConfChange(Enumerable.Range(1, ConfChange.MaxChanges + 1).Select(i => new ConfChangeSingle(ConfChangeType.AddVoter, (ulong)i)).ToList());
        Assert.Throws<InvalidOperationException>(() => cc.Encode());
    }

    [Theory]
    [InlineData(new byte[0], "shorter than")]
    [InlineData(new byte[] { 2, 0, 0, 0 }, "unknown format version 2")]
    [InlineData(new byte[] { 1, 9, 0, 0 }, "unknown transition 9")]
    [InlineData(new byte[] { 1, 0, 255, 255 }, "exceed the limit")]
    [InlineData(new byte[] { 1, 0, 1, 0 }, "need 13 bytes, got 4")]
    [InlineData(new byte[] { 1, 0, 0, 0, 0 }, "need 4 bytes, got 5")]
    [InlineData(new byte[] { 1, 0, 1, 0, 7, 1, 0, 0, 0, 0, 0, 0, 0 }, "unknown type 7")]
    [InlineData(new byte[] { 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "node 0")]
    public void TryDecode_Malformed_ClearError(byte[] bytes, string expected)
    {
        Assert.False(ConfChange.TryDecode(bytes, out var cc, out var error));
        Assert.Null(cc);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ConfChange.Decode(bytes));
    }

    [Fact]
    public void TryDecode_Oversized_RefusedBeforeReading()
    {
        Assert.False(ConfChange.TryDecode(new byte[ConfChange.MaxEncodedSize + 1], out _, out var error));
        Assert.Contains("exceed the limit", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_Fuzz_NeverThrowsAndAcceptedInputsRoundTrip()
    {
        // Seeded so a failure replays; mutates valid encodings and also feeds random bytes.
        const int seed = 20261126;
        var random = new Random(seed);
        var valid = SampleChanges.Select(cc => cc.Encode()).ToList();
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = (byte[])valid[random.Next(valid.Count)].Clone();
                var flips = random.Next(1, 4);
                for (var f = 0; f < flips && input.Length > 0; f++)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }

                if (random.Next(4) == 0)
                {
                    Array.Resize(ref input, Math.Max(0, input.Length + random.Next(-3, 4)));
                }
            }
            else
            {
                input = new byte[random.Next(0, 40)];
                random.NextBytes(input);
            }

            if (ConfChange.TryDecode(input, out var cc, out var error))
            {
                accepted++;
                Assert.True(input.AsSpan().SequenceEqual(cc.Encode()), $"seed={seed} i={i}: accepted input does not re-encode identically");
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(error), $"seed={seed} i={i}: no error text");
            }
        }

        Assert.True(accepted > 0, $"seed={seed}: the fuzzer never produced a valid input");
    }
}
