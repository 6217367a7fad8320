using Grey.Raft.Tests.Support;

namespace Grey.Raft.Tests.Core;

public sealed class RaftMachineReadIndexTests
{
    [Fact]
    public void ReadIndex_Safe_AnsweredAfterHeartbeatQuorum()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c[1].Node.ReadIndex(Cluster.Bytes("r"));
        c.ProcessReadies();
        Assert.Empty(c[1].ReadStates);
        c.Stabilize();
        var rs = Assert.Single(c[1].ReadStates);
        Assert.Equal(c[1].Node.Status().Commit, rs.Index);
        Assert.Equal("r", System.Text.Encoding.UTF8.GetString(rs.Context.Span));
    }

    [Fact]
    public void ReadIndex_Safe_PartitionedLeaderNeverAnswers()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c.Isolate(1);
        c[1].Node.ReadIndex(Cluster.Bytes("r"));
        c.Stabilize();
        c.Tick(1, 5);
        c.Stabilize();
        Assert.Empty(c[1].ReadStates);
    }

    [Fact]
    public void ReadIndex_SabotageWithoutQuorum_PartitionedLeaderAnswers()
    {
        var c = new Cluster(3, o => o with { Sabotage = RaftSabotage.ReadIndexWithoutQuorum });
        c.Elect(1);
        c.Isolate(1);
        c[1].Node.ReadIndex(Cluster.Bytes("r"));
        c.Stabilize();
        Assert.Single(c[1].ReadStates);
    }

    [Fact]
    public void ReadIndex_Follower_ForwardedAndAnswered()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.Stabilize();
        c[3].Node.ReadIndex(Cluster.Bytes("f"));
        c.Stabilize();
        var rs = Assert.Single(c[3].ReadStates);
        Assert.Equal(3UL, rs.Index);
        Assert.Empty(c[1].ReadStates);
    }

    [Fact]
    public void ReadIndex_FollowerWithoutLeader_Dropped()
    {
        var c = new Cluster(3);
        c[3].Node.ReadIndex(Cluster.Bytes("f"));
        Assert.False(c[3].Node.HasReady());
    }

    [Fact]
    public void ReadIndex_NewLeaderBeforeCommitInTerm_HeldUntilCommitted()
    {
        var c = new Cluster(3);
        c[1].Node.Campaign();

        // Run the election but drop the Appends carrying the leader's empty entry, so it does not commit.
        c.Stabilize(m => m.Type == MessageType.Append && m.Entries.Count > 0 ? null : m);
        Assert.Equal(StateRole.Leader, c[1].Node.Status().Role);
        Assert.Equal(1UL, c[1].Node.Status().Commit);
        c[1].Node.ReadIndex(Cluster.Bytes("early"));
        c.Stabilize();
        Assert.Empty(c[1].ReadStates);

        // The heartbeat brings the followers the empty entry; once it commits the read is served.
        c.Tick(1, 1);
        c.Stabilize();
        var rs = Assert.Single(c[1].ReadStates);
        Assert.Equal(2UL, rs.Index);
    }

    [Fact]
    public void ReadIndex_LeaseBased_AnsweredWithoutHeartbeatRound()
    {
        var c = new Cluster(3, o => o with { ReadOnlyOption = ReadOnlyOption.LeaseBased });
        c.Elect(1);
        c[1].Node.ReadIndex(Cluster.Bytes("r"));
        c.ProcessReadies();
        Assert.Single(c[1].ReadStates);
    }

    [Fact]
    public void ReadIndex_MaxPendingReadIndex_ExcessDropped()
    {
        var c = new Cluster(3, o => o with { MaxPendingReadIndex = 2 });
        c.Elect(1);
        c.Isolate(1);
        for (var i = 0; i < 5; i++)
        {
            c[1].Node.ReadIndex(Cluster.Bytes($"r{i}"));
        }

        Assert.Equal(2, c[1].Machine.ReadOnly.Count);
        c.Heal();
        c.Queue.Clear();
        c.Tick(1, 1);
        c.Stabilize();
        Assert.Equal(2, c[1].ReadStates.Count);
    }

    [Fact]
    public void ReadIndex_Singleton_AnsweredAtOnce()
    {
        var c = new Cluster(1);
        c.Elect(1);
        c[1].Node.ReadIndex(Cluster.Bytes("r"));
        c.ProcessReadies();
        Assert.Single(c[1].ReadStates);
    }

    [Fact]
    public void ReadIndex_RemovedLeaderWithSingleOtherVoter_ConfirmsBeforeAnswering()
    {
        // Leader 2 of (1 2) demotes itself; the only voter left is node 1. Leader 2 keeps leading while it
        // hands over, but it must not treat the single-voter configuration as "only me".
        var c = new Cluster(2);
        c.Elect(2);
        c[2].Node.ProposeConfChange(new ConfChange([new(ConfChangeType.AddLearner, 2)]));
        c.Stabilize(m => m.Type == MessageType.TimeoutNow ? null : m);
        Assert.Equal(StateRole.Leader, c[2].Node.Status().Role);
        Assert.True(c[2].Node.Status().Config.IsEquivalent(new ConfState([1], [2], [], [], false)));
        c.Isolate(2);
        c[2].Node.ReadIndex(Cluster.Bytes("r"));
        c.Stabilize();
        Assert.Empty(c[2].ReadStates);
        c.Heal();
        c.Tick(2, 1);
        c.Stabilize(m => m.Type == MessageType.TimeoutNow ? null : m);
        Assert.Single(c[2].ReadStates);
    }
}
