using Grey.Raft.Tests.Support;

namespace Grey.Raft.Tests;

public sealed class RawNodeTests
{
    private static RaftOptions Options(ulong id, MemoryStorage s) => new() { Id = id, Storage = s, Random = new Random(7) };

    [Fact]
    public void Bootstrap_SingleVoter_FirstReadyPersistsAndAppliesConfig()
    {
        var s = new MemoryStorage();
        var node = RawNode.Bootstrap(Options(1, s), [1]);
        Assert.True(node.HasReady());
        var rd = node.GetReady();
        Assert.Equal(new HardState(1, 0, 1), rd.HardState);
        Assert.True(rd.MustSync);
        var e = Assert.Single(rd.Entries);
        Assert.Equal(EntryKind.ConfChange, e.Kind);
        Assert.Equal(ConfChange.AddVoter(1), ConfChange.Decode(e.Data.Span));
        Assert.Equal(rd.Entries, rd.CommittedEntries);
        s.Append(rd.Entries);
        s.SetHardState(rd.HardState!.Value);
        node.ApplyConfChange(ConfChange.Decode(e.Data.Span));
        node.Advance(rd);

        node.Campaign();
        Assert.Equal(StateRole.Leader, node.Status().Role);
    }

    [Fact]
    public void Bootstrap_NonEmptyStorage_Throws()
    {
        var s = new MemoryStorage();
        s.Append([new Entry(1, 1, EntryKind.NoOp, ReadOnlyMemory<byte>.Empty)]);
        Assert.Throws<InvalidOperationException>(() => RawNode.Bootstrap(Options(1, s), [1]));
    }

    [Theory]
    [InlineData(new ulong[0])]
    [InlineData(new ulong[] { 0 })]
    [InlineData(new ulong[] { 1, 1 })]
    public void Bootstrap_BadVoters_Throws(ulong[] voters)
    {
        Assert.Throws<ArgumentException>(() => RawNode.Bootstrap(Options(1, new MemoryStorage()), voters));
    }

    [Fact]
    public void Step_LocalOrMisaddressed_Throws()
    {
        var c = new Cluster(3);
        var n = c[1].Node;
        Assert.Throws<ArgumentException>(() => n.Step(new Message { Type = MessageType.Hup, From = 2, To = 1, Term = 1 }));
        Assert.Throws<ArgumentException>(() => n.Step(new Message { Type = MessageType.Beat, From = 2, To = 1, Term = 1 }));
        Assert.Throws<ArgumentException>(() => n.Step(new Message { Type = MessageType.Heartbeat, From = 2, To = 3, Term = 1 }));
        Assert.Throws<ArgumentException>(() => n.Step(new Message { Type = MessageType.Heartbeat, From = 0, To = 1, Term = 1 }));
        Assert.Throws<ArgumentException>(() => n.Step(new Message { Type = MessageType.Heartbeat, From = 2, To = 1, Term = 0 }));
        Assert.Throws<ArgumentException>(() => n.Step(new Message { Type = (MessageType)99, From = 2, To = 1, Term = 1 }));
    }

    [Fact]
    public void GetReady_Twice_WithoutAdvance_Throws()
    {
        var c = new Cluster(1);
        c[1].Node.Campaign();
        var rd = c[1].Node.GetReady();
        Assert.False(c[1].Node.HasReady());
        Assert.Throws<InvalidOperationException>(() => c[1].Node.GetReady());
        Assert.Throws<InvalidOperationException>(() => c[1].Node.Advance(new Ready()));
        c[1].Node.Advance(rd);
    }

    [Fact]
    public void GetReady_CommitOnlyChange_DoesNotRequireSync()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.ProcessReadies();
        c.DeliverAll();
        c.ProcessReadies();
        c.DeliverAll();

        // The leader now learns the commit: its Ready has a new commit index but nothing to fsync.
        var rd = c[1].Node.GetReady();
        Assert.NotNull(rd.HardState);
        Assert.Empty(rd.Entries);
        Assert.False(rd.MustSync);
        c[1].Node.Advance(rd);
    }

    [Fact]
    public void Propose_ConfChangeKindWithGarbage_Throws()
    {
        var c = new Cluster(1);
        c.Elect(1);
        Assert.Throws<ArgumentException>(() => c[1].Node.Propose(new byte[] { 1, 2, 3 }, EntryKind.ConfChange));
        Assert.Throws<ArgumentOutOfRangeException>(() => c[1].Node.Propose(new byte[] { 1 }, (EntryKind)9));
    }

    [Fact]
    public void Propose_EntryKinds_PreservedThroughLog()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c[1].Node.Propose(Cluster.Bytes("d"));
        c[1].Node.Propose(Cluster.Bytes("r"), EntryKind.Record);
        c.Stabilize();
        var kinds = c[2].Applied.Select(e => e.Kind).ToList();
        Assert.Equal([EntryKind.NoOp, EntryKind.Data, EntryKind.Record], kinds);
    }

    [Fact]
    public void Status_Leader_IncludesProgressOfEveryMember()
    {
        var c = new Cluster(3);
        c.Elect(1);
        var st = c[1].Node.Status();
        Assert.Equal(1UL, st.Id);
        Assert.Equal(StateRole.Leader, st.Role);
        Assert.Equal(1UL, st.Leader);
        Assert.Equal(1UL, st.Vote);
        Assert.Equal([1UL, 2UL, 3UL], st.Progress.Keys.Order());
        Assert.All(st.Progress.Values, p => Assert.Equal(st.Commit, p.Match));
        Assert.Empty(c[2].Node.Status().Progress);
    }

    [Fact]
    public void Restart_WithApplied_DoesNotRedeliverAppliedEntries()
    {
        var c = new Cluster(1);
        c.Elect(1);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.Stabilize();
        var applied = c[1].Node.Status().Applied;
        var node = new RawNode(c[1].Options with { Applied = applied });
        Assert.False(node.HasReady());
        var fresh = new RawNode(c[1].Options with { Applied = 0 });
        Assert.True(fresh.HasReady());
        Assert.Contains(fresh.GetReady().CommittedEntries, e => e.Kind == EntryKind.Data);
    }

    [Fact]
    public void Restart_AppliedOutsideRange_Clamped()
    {
        var c = new Cluster(1);
        c.Elect(1);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.Stabilize();
        var n = c[1];
        var commit = n.Node.Status().Commit;
        n.Storage.CreateSnapshot(commit - 1, n.ConfState, ReadOnlyMemory<byte>.Empty);
        n.Storage.Compact(commit - 1);
        var below = new RawNode(n.Options with { Applied = 1 });
        Assert.Equal(commit - 1, below.Status().Applied);
        var above = new RawNode(n.Options with { Applied = commit + 10 });
        Assert.Equal(commit, above.Status().Applied);
    }
}
