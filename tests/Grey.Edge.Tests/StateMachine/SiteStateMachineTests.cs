using System.Text;
using Grey.Edge.StateMachine;
using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Operations;
using Grey.Raft;

namespace Grey.Edge.Tests.StateMachine;

public class SiteStateMachineTests
{
    private const string Site = "site-a";
    private const ulong Epoch = 0x1122334455667788;

    private ulong index;

    private SiteStateMachine NewMachine(bool withEpoch = true)
    {
        var m = new SiteStateMachine(Site);
        if (withEpoch)
        {
            m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.Epoch, Epoch: Epoch))));
        }

        return m;
    }

    private CommandOutcome Run(SiteStateMachine m, Command c)
    {
        var stamped = c with { Origin = c.Origin.Length == 0 ? "n1" : c.Origin, Stamp = c.Stamp == default ? new HlcTimestamp(1_764_000_000_000 + (long)index, 0) : c.Stamp };
        return m.Apply(new Entry(1, ++index, EntryKind.Data, CommandCodec.Encode(stamped)))!.Value;
    }

    private static Command Put(string key, string value, CommandCondition condition = CommandCondition.None, ulong expected = 0) =>
        new() { Kind = CommandKind.Put, Key = key, Value = Encoding.UTF8.GetBytes(value), Condition = condition, ExpectedRevision = expected };

    [Fact]
    public void Apply_PutTwice_RevisionCountsPerKey()
    {
        var m = NewMachine();
        Assert.Equal(1UL, Run(m, Put("a/b", "1")).Revision);
        Assert.Equal(2UL, Run(m, Put("a/b", "2")).Revision);
        Assert.Equal(1UL, Run(m, Put("c", "x")).Revision);
        Assert.Equal("2", Encoding.UTF8.GetString(m.Find("a/b")!.Value));
        Assert.Equal(0UL, m.RevisionOf("missing"));
    }

    [Fact]
    public void Apply_DeleteThenPut_RevisionRestartsAtOne()
    {
        var m = NewMachine();
        Run(m, Put("k", "1"));
        Run(m, Put("k", "2"));
        var deleted = Run(m, new Command { Kind = CommandKind.Delete, Key = "k" });
        Assert.Equal(CommandStatus.Ok, deleted.Status);
        Assert.Null(m.Find("k"));
        Assert.Equal(CommandStatus.NotFound, Run(m, new Command { Kind = CommandKind.Delete, Key = "k" }).Status);
        Assert.Equal(1UL, Run(m, Put("k", "3")).Revision);
    }

    [Fact]
    public void Apply_CompareAndSet_OnlyMatchingRevisionApplies()
    {
        var m = NewMachine();
        Run(m, Put("k", "1"));
        var wrong = Run(m, Put("k", "x", CommandCondition.IfRevision, 7));
        Assert.Equal(CommandStatus.PreconditionFailed, wrong.Status);
        Assert.Equal(1UL, wrong.Revision);
        Assert.Equal("1", Encoding.UTF8.GetString(m.Find("k")!.Value));
        var right = Run(m, Put("k", "2", CommandCondition.IfRevision, 1));
        Assert.Equal(CommandStatus.Ok, right.Status);
        Assert.Equal(2UL, right.Revision);
        Assert.Equal(CommandStatus.PreconditionFailed, Run(m, new Command { Kind = CommandKind.Delete, Key = "k", Condition = CommandCondition.IfRevision, ExpectedRevision = 1 }).Status);
        Assert.Equal(CommandStatus.Ok, Run(m, new Command { Kind = CommandKind.Delete, Key = "k", Condition = CommandCondition.IfRevision, ExpectedRevision = 2 }).Status);
    }

    [Fact]
    public void Apply_CreateIfAbsent_SecondCreateFails()
    {
        var m = NewMachine();
        Assert.Equal(CommandStatus.Ok, Run(m, Put("k", "1", CommandCondition.IfAbsent)).Status);
        Assert.Equal(CommandStatus.PreconditionFailed, Run(m, Put("k", "2", CommandCondition.IfAbsent)).Status);
        Assert.Equal("1", Encoding.UTF8.GetString(m.Find("k")!.Value));
    }

    [Fact]
    public void Apply_DesiredKey_ForbiddenAndUnchained()
    {
        var m = NewMachine();
        var chainBefore = m.ChainHash.ToArray();
        var outcome = Run(m, Put("desired/fan", "on"));
        Assert.Equal(CommandStatus.Forbidden, outcome.Status);
        Assert.Null(m.Find("desired/fan"));
        Assert.Equal(chainBefore, m.ChainHash.ToArray());
        Assert.Equal(CommandStatus.Ok, Run(m, Put("shared/x", "1")).Status);
    }

    [Fact]
    public void Apply_Counter_AddsAndRefusesOverflowAndWrongType()
    {
        var m = NewMachine();
        Assert.Equal(5, Run(m, new Command { Kind = CommandKind.CounterAdd, Key = "c", Amount = 5 }).CounterValue);
        Assert.Equal(2, Run(m, new Command { Kind = CommandKind.CounterAdd, Key = "c", Amount = -3 }).CounterValue);
        Assert.Equal(2UL, m.RevisionOf("c"));
        Run(m, new Command { Kind = CommandKind.CounterAdd, Key = "big", Amount = long.MaxValue });
        Assert.Equal(CommandStatus.Overflow, Run(m, new Command { Kind = CommandKind.CounterAdd, Key = "big", Amount = 1 }).Status);
        Run(m, Put("v", "1"));
        Assert.Equal(CommandStatus.WrongType, Run(m, new Command { Kind = CommandKind.CounterAdd, Key = "v", Amount = 1 }).Status);
    }

    [Fact]
    public void Apply_Sets_AddIsIdempotentRemoveEmptiesKey()
    {
        var m = NewMachine();
        Run(m, new Command { Kind = CommandKind.SetAdd, Key = "s", Element = "red" });
        Run(m, new Command { Kind = CommandKind.SetAdd, Key = "s", Element = "red" });
        Run(m, new Command { Kind = CommandKind.SetAdd, Key = "s", Element = "blue" });
        Assert.Equal(["blue", "red"], m.Find("s")!.Members.Keys);
        Assert.Equal(2UL, m.RevisionOf("s"));
        Run(m, new Command { Kind = CommandKind.SetRemove, Key = "s", Element = "red" });
        Assert.Equal(["blue"], m.Find("s")!.Members.Keys);
        Run(m, new Command { Kind = CommandKind.SetRemove, Key = "s", Element = "blue" });
        Assert.Null(m.Find("s"));
    }

    [Fact]
    public void Apply_BeforeEpoch_CommandRefused()
    {
        var m = NewMachine(withEpoch: false);
        Assert.Equal(CommandStatus.NoEpoch, Run(m, Put("k", "1")).Status);
        Assert.Null(m.Find("k"));
    }

    [Fact]
    public void Apply_SecondEpochRecord_Ignored()
    {
        var m = NewMachine();
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.Epoch, Epoch: 42))));
        Assert.Equal(Epoch, m.Epoch);
    }

    [Fact]
    public void Apply_ChainHash_AdvancesOnlyForDataEntriesThatChange()
    {
        var m = NewMachine();
        Assert.Equal(ChainHash.Genesis(Site, Epoch), m.ChainHash.ToArray());
        var stamp = new HlcTimestamp(1_764_000_000_000, 3);
        Run(m, Put("k", "v") with { Stamp = stamp, Origin = "n2" });
        var expected = ChainHash.Next(ChainHash.Genesis(Site, Epoch), new DataEntry(index, stamp, [Operation.Put("k", "v"u8, stamp, "n2")]));
        Assert.Equal(expected, m.ChainHash.ToArray());

        // Internal entries (no-ops, membership, records) and commands that change nothing leave the chain alone.
        m.Apply(new Entry(1, ++index, EntryKind.NoOp, ReadOnlyMemory<byte>.Empty));
        m.Apply(new Entry(1, ++index, EntryKind.ConfChange, ConfChange.AddVoter(2).Encode()));
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.MemberApi, NodeId: 2, ApiAddress: "http://x"))));
        Run(m, Put("k", "w", CommandCondition.IfRevision, 9));
        Assert.Equal(expected, m.ChainHash.ToArray());
        Assert.Equal(1UL, m.ChainedEntries);
        Run(m, Put("k", "w"));
        Assert.NotEqual(expected, m.ChainHash.ToArray());
        Assert.Equal(2UL, m.ChainedEntries);
    }

    [Fact]
    public void Apply_EntryAppliedTwice_Throws()
    {
        var m = NewMachine();
        Assert.Throws<InvalidOperationException>(() => m.Apply(new Entry(1, index, EntryKind.NoOp, ReadOnlyMemory<byte>.Empty)));
    }

    [Fact]
    public void List_Prefix_OrdinalOrderAndLimit()
    {
        var m = NewMachine();
        foreach (var k in new[] { "b/2", "a/1", "b/1", "c", "b/3" })
        {
            Run(m, Put(k, k));
        }

        Assert.Equal(["b/1", "b/2", "b/3"], m.List("b/", 100).Select(x => x.Key));
        Assert.Equal(["a/1", "b/1"], m.List(string.Empty, 2).Select(x => x.Key));
    }

    [Fact]
    public void Snapshot_RoundTrip_RestoresEverything()
    {
        var m = NewMachine();
        Run(m, Put("k", "v"));
        Run(m, new Command { Kind = CommandKind.CounterAdd, Key = "c", Amount = -4 });
        Run(m, new Command { Kind = CommandKind.SetAdd, Key = "s", Element = "élan" });
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.MemberApi, NodeId: 3, ApiAddress: "http://127.0.0.1:1"))));
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.MemberPeer, NodeId: 4, PeerAddress: "127.0.0.1:7004"))));
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.MemberPeer, NodeId: 5, PeerAddress: "[::1]:7005"))));
        var bytes = m.Snapshot();
        Assert.True(SiteStateMachine.TryRestore(Site, bytes, out var r, out var error), error);
        Assert.Equal(bytes, r.Snapshot());
        Assert.Equal(m.ChainHash.ToArray(), r.ChainHash.ToArray());
        Assert.Equal(m.AppliedIndex, r.AppliedIndex);
        Assert.Equal(-4, r.Find("c")!.Counter);
        Assert.Equal("http://127.0.0.1:1", r.MemberApis[3]);
        Assert.Equal(new Dictionary<ulong, string> { [4] = "127.0.0.1:7004", [5] = "[::1]:7005" }, r.MemberPeers);

        // A version 3 snapshot (before member peers) is the same bytes without the peers at the end: read, with none.
        var v3 = m.Snapshot();
        var peersStart = v3.Length - (4 + 8 + 2 + "127.0.0.1:7004".Length + 8 + 2 + "[::1]:7005".Length);
        Assert.Equal(2u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(v3.AsSpan(peersStart)));
        v3 = v3[..peersStart];
        v3[4] = 3;
        Assert.True(SiteStateMachine.TryRestore(Site, v3, out var old, out error), error);
        Assert.Empty(old.MemberPeers);
        Assert.Equal("http://127.0.0.1:1", old.MemberApis[3]);

        // The restored machine goes on exactly as the original.
        Run(m, Put("k", "w"));
        index--;
        Run(r, Put("k", "w"));
        Assert.Equal(m.Snapshot(), r.Snapshot());
    }

    [Fact]
    public void TryRestore_WrongSite_Refused()
    {
        var m = NewMachine();
        Assert.False(SiteStateMachine.TryRestore("site-b", m.Snapshot(), out _, out var error));
        Assert.Contains("site", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRestore_Fuzzed_NeverThrows()
    {
        var seed = 20261126;
        Console.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        var m = NewMachine();
        for (var i = 0; i < 20; i++)
        {
            Run(m, Put("k" + i, "v" + i));
            Run(m, new Command { Kind = CommandKind.SetAdd, Key = "s" + (i % 3), Element = "m" + i });
        }

        var good = m.Snapshot();
        for (var i = 0; i < 3000; i++)
        {
            var bytes = (byte[])good.Clone();
            var mode = rng.Next(3);
            if (mode == 0)
            {
                bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            }
            else if (mode == 1)
            {
                bytes = bytes[..rng.Next(bytes.Length)];
            }
            else
            {
                rng.NextBytes(bytes.AsSpan(rng.Next(bytes.Length)));
            }

            SiteStateMachine.TryRestore(Site, bytes, out _, out _);
        }
    }
}
