using Grey.Raft.Tests.Support;

namespace Grey.Raft.Tests;

public sealed class MessageValidatorTests
{
    private static Entry E(ulong term, ulong index) => new(term, index, EntryKind.Data, ReadOnlyMemory<byte>.Empty);

    private static Message Append(params Entry[] entries) =>
        new() { Type = MessageType.Append, From = 2, To = 1, Term = 3, Index = 4, LogTerm = 2, Entries = entries };

    [Fact]
    public void Validate_WellFormedAppend_Null()
    {
        Assert.Null(MessageValidator.Validate(Append(E(2, 5), E(3, 6))));
    }

    [Theory]
    [InlineData(5UL, 7UL, "expected 6")]
    [InlineData(6UL, 6UL, "expected 5")]
    public void Validate_AppendWithGap_Refused(ulong first, ulong second, string expected)
    {
        var error = MessageValidator.Validate(Append(E(2, first), E(2, second)));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AppendTermsOutOfOrder_Refused()
    {
        Assert.NotNull(MessageValidator.Validate(Append(E(3, 5), E(2, 6))));
        Assert.NotNull(MessageValidator.Validate(Append(E(1, 5))));

        // An entry term above the message term is tolerated (a restarted node may hold such entries).
        Assert.Null(MessageValidator.Validate(Append(E(4, 5))));
    }

    [Fact]
    public void Validate_SnapshotWithoutVoters_Refused()
    {
        var m = new Message
        {
            Type = MessageType.Snapshot, From = 2, To = 1, Term = 3,
            Snapshot = new Snapshot(new SnapshotMetadata(5, 2, ConfState.Empty), ReadOnlyMemory<byte>.Empty),
        };
        Assert.Contains("no voters", MessageValidator.Validate(m), StringComparison.Ordinal);
        Assert.NotNull(MessageValidator.Validate(m with { Snapshot = null }));
    }

    [Fact]
    public void Step_MalformedMessage_ArgumentExceptionAndStateUnchanged()
    {
        var c = new Cluster(3);
        c.Elect(1);
        var before = c[2].Node.Status();
        var e = Assert.Throws<ArgumentException>(() => c[2].Node.Step(Append(E(2, 9)) with { To = 2, From = 1, Term = before.Term }));
        Assert.Contains("malformed Append", e.Message, StringComparison.Ordinal);
        Assert.Equal(before.Commit, c[2].Node.Status().Commit);
        Assert.False(c[2].Node.HasReady());
    }

    [Fact]
    public void Step_Fuzz_OnlyClearErrorsNeverOtherExceptions()
    {
        // Random, mostly nonsensical messages: each is either refused with ArgumentException, fails fast with
        // InvalidOperationException (a well-formed message that contradicts committed state: peers are not
        // Byzantine), or is processed. Nothing else may escape, and nothing may hang.
        const int seed = 4242;
        var random = new Random(seed);
        var types = Enum.GetValues<MessageType>().Where(t => t is not (MessageType.Hup or MessageType.Beat or MessageType.Unreachable or MessageType.SnapshotStatus)).ToArray();
        var refused = 0;
        for (var round = 0; round < 200; round++)
        {
            var c = new Cluster(3, seed: round);
            c.Elect(1);
            for (var i = 0; i < 50; i++)
            {
                var to = (ulong)random.Next(1, 4);
                var term = (ulong)random.Next(1, 6);
                var index = (ulong)random.Next(0, 8);
                var entries = Enumerable.Range(0, random.Next(0, 4))
                    .Select(k => new Entry((ulong)random.Next(0, 6), index + 1 + (ulong)k + (ulong)random.Next(0, 2), (EntryKind)random.Next(0, 5), new byte[random.Next(0, 3)]))
                    .ToList();
                var m = new Message
                {
                    Type = types[random.Next(types.Length)],
                    From = (ulong)random.Next(0, 5),
                    To = to,
                    Term = term,
                    Index = index,
                    LogTerm = (ulong)random.Next(0, 6),
                    Commit = (ulong)random.Next(0, 10),
                    Reject = random.Next(2) == 0,
                    RejectHint = (ulong)random.Next(0, 10),
                    Entries = entries,
                    Context = random.Next(3) == 0 ? new byte[] { (byte)random.Next(256) } : ReadOnlyMemory<byte>.Empty,
                };
                try
                {
                    c[to].Node.Step(m);
                }
                catch (ArgumentException)
                {
                    refused++;
                }
                catch (InvalidOperationException e)
                {
                    Assert.False(string.IsNullOrEmpty(e.Message), $"seed={seed}");
                    break;
                }

                c.ProcessReadies();
                c.Queue.Clear();
            }
        }

        Assert.True(refused > 0, $"seed={seed}: the fuzzer never produced a malformed message");
    }
}
