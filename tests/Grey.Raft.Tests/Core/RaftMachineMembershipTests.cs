using Grey.Raft.Tests.Support;

namespace Grey.Raft.Tests.Core;

public sealed class RaftMachineMembershipTests
{
    private static Cluster ThreeWithSpare()
    {
        var c = new Cluster(3);
        c.AddNode(4, new MemoryStorage());
        c.Elect(1);
        return c;
    }

    /// <summary>Keeps the leader's snapshot current, as an application does, so that new members can catch up.</summary>
    private static void Snapshot(Cluster c, ulong id)
    {
        var n = c[id];
        var applied = n.Node.Status().Applied;
        if (applied > n.Storage.Snapshot().Metadata.Index)
        {
            n.Storage.CreateSnapshot(applied, n.ConfState, ReadOnlyMemory<byte>.Empty);
        }
    }

    [Fact]
    public void ProposeConfChange_AddVoter_NewNodeJoinsAndVotes()
    {
        var c = ThreeWithSpare();
        // The leader's only snapshot (index 1) predates node 4: node 4 restores it, then learns of its own
        // membership from the log that follows.
        Assert.Equal(ProposeResult.Accepted, c[1].Node.ProposeConfChange(ConfChange.AddVoter(4)));
        c.Stabilize();
        var cs = c[1].Node.Status().Config;
        Assert.True(cs.IsEquivalent(ConfState.OfVoters(1, 2, 3, 4)));
        Assert.Equal(c[1].Node.Status().Commit, c[4].Node.Status().Commit);
        Assert.True(c[4].Node.Status().Config.IsEquivalent(ConfState.OfVoters(1, 2, 3, 4)));
    }

    [Fact]
    public void ProposeConfChange_WhilePending_Dropped()
    {
        var c = ThreeWithSpare();
        Assert.Equal(ProposeResult.Accepted, c[1].Node.ProposeConfChange(ConfChange.AddLearner(4)));
        Assert.Equal(ProposeResult.Dropped, c[1].Node.ProposeConfChange(ConfChange.RemoveNode(3)));
        c.Stabilize();
        Assert.Equal(ProposeResult.Accepted, c[1].Node.ProposeConfChange(ConfChange.RemoveNode(3)));
    }

    [Fact]
    public void ProposeConfChange_BeforeLeaderAppliedEntryOfItsTerm_Dropped()
    {
        // The fix for the single-server change bug: a new leader changes membership only after an entry of
        // its own term is committed (and applied).
        var c = new Cluster(3);
        c[1].Node.Campaign();
        c.Stabilize(m => m.Type == MessageType.Append && m.Entries.Count > 0 ? null : m);
        Assert.Equal(StateRole.Leader, c[1].Node.Status().Role);
        Assert.Equal(ProposeResult.Dropped, c[1].Node.ProposeConfChange(ConfChange.RemoveNode(3)));
        c.Tick(1, 1);
        c.Stabilize();
        Assert.Equal(ProposeResult.Accepted, c[1].Node.ProposeConfChange(ConfChange.RemoveNode(3)));
    }

    [Fact]
    public void ProposeConfChange_InvalidForConfiguration_Dropped()
    {
        var c = new Cluster(1);
        c.Elect(1);
        Assert.Equal(ProposeResult.Dropped, c[1].Node.ProposeConfChange(ConfChange.RemoveNode(1)));
        Assert.Equal(ProposeResult.Dropped, c[1].Node.ProposeConfChange(ConfChange.LeaveJoint()));
    }

    [Fact]
    public void Learner_ReceivesLogButIsNotCountedForCommit()
    {
        var c = new Cluster(2, learners: 1);
        c.Elect(1);
        c.Isolate(2);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.Stabilize();
        Assert.Equal(2UL, c[1].Node.Status().Commit);
        Assert.Equal(3UL, c[1].Node.Status().Progress[3].Match);
        c.Heal();
        c.Tick(1, 1);
        c.Stabilize();
        Assert.Equal(3UL, c[1].Node.Status().Commit);
        Assert.Equal(["a"], c.AppliedData(3));
    }

    [Fact]
    public void PromoteLearner_BecomesVoter()
    {
        var c = new Cluster(2, learners: 1);
        c.Elect(1);
        c[1].Node.ProposeConfChange(ConfChange.AddVoter(3));
        c.Stabilize();
        Assert.True(c[3].Node.Status().Config.IsEquivalent(ConfState.OfVoters(1, 2, 3)));
        Assert.False(c[1].Node.Status().Progress[3].IsLearner);
    }

    [Fact]
    public void JointChange_AutoLeave_EndsInSimpleConfiguration()
    {
        var c = ThreeWithSpare();
        var cc = new ConfChange([new(ConfChangeType.AddVoter, 4), new(ConfChangeType.RemoveNode, 3)]);
        Assert.Equal(ProposeResult.Accepted, c[1].Node.ProposeConfChange(cc));
        var sawJoint = false;
        for (var i = 0; i < 200; i++)
        {
            var moved = c.ProcessReadies() | c.DeliverAll();
            sawJoint |= c[1].Node.Status().Config.IsJoint;
            Snapshot(c, 1);
            if (!moved)
            {
                c.Tick(1, 1);
            }

            if (c[1].Node.Status().Config.IsEquivalent(ConfState.OfVoters(1, 2, 4)))
            {
                break;
            }
        }

        Assert.True(sawJoint);
        Assert.True(c[1].Node.Status().Config.IsEquivalent(ConfState.OfVoters(1, 2, 4)));
    }

    [Fact]
    public void JointChange_Explicit_StaysJointUntilLeave()
    {
        var c = new Cluster(3);
        c.Elect(1);
        var cc = new ConfChange([new(ConfChangeType.AddLearner, 3)], ConfChangeTransition.JointExplicit);
        Assert.Equal(ProposeResult.Accepted, c[1].Node.ProposeConfChange(cc));
        c.Stabilize();
        var cs = c[1].Node.Status().Config;
        Assert.True(cs.IsJoint);
        Assert.Equal([3UL], cs.LearnersNext);
        Assert.Equal(ProposeResult.Dropped, c[1].Node.ProposeConfChange(ConfChange.AddVoter(3)));
        Assert.Equal(ProposeResult.Accepted, c[1].Node.ProposeConfChange(ConfChange.LeaveJoint()));
        c.Stabilize();
        cs = c[1].Node.Status().Config;
        Assert.False(cs.IsJoint);
        Assert.Equal([3UL], cs.Learners);
    }

    [Fact]
    public void JointChange_CommitNeedsBothMajorities()
    {
        // In (1 2 4)&&(1 2 3) an entry acknowledged by 1, 3 and 4 is a majority of neither half alone... but
        // 1 and 4 only is a majority of the incoming half and not of the outgoing one: no commit.
        var c = ThreeWithSpare();
        var cc = new ConfChange([new(ConfChangeType.AddVoter, 4), new(ConfChangeType.RemoveNode, 3)], ConfChangeTransition.JointExplicit);
        c[1].Node.ProposeConfChange(cc);
        c.Stabilize();
        Snapshot(c, 1);
        c.Tick(1, 1);
        c.Stabilize();
        Assert.True(c[1].Node.Status().Config.IsJoint);
        c.Isolate(2);
        c.Isolate(3);
        var before = c[1].Node.Status().Commit;
        c[1].Node.Propose(Cluster.Bytes("x"));
        c.Stabilize();
        Assert.Equal(before, c[1].Node.Status().Commit);
        Assert.Equal(c[1].Node.Status().Commit + 1, c[1].Node.Status().Progress[4].Match);
    }

    [Fact]
    public void RemoveLeader_HandsOverToRemainingVoter()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c[1].Node.ProposeConfChange(ConfChange.RemoveNode(1));
        c.Stabilize();

        // The removed leader hands over with a transfer (retried each election timeout if the target was
        // not ready, for example because it had not applied the change yet); it refuses proposals meanwhile.
        Assert.NotEqual(0UL, c[1].Node.Status().LeadTransferee);
        Assert.Equal(ProposeResult.Dropped, c[1].Node.Propose(Cluster.Bytes("x")));
        for (var i = 0; i < 40 && c.Leader() is 0 or 1; i++)
        {
            c.TickAll();
            c.Stabilize();
        }

        Assert.Contains(c.Leader(), new ulong[] { 2, 3 });

        // The old leader's next heartbeat is answered with the new term, and it steps down.
        c.TickAll();
        c.Stabilize();
        Assert.Equal(StateRole.Follower, c[1].Node.Status().Role);
        Assert.Equal(ProposeResult.Accepted, c[c.Leader()].Node.Propose(Cluster.Bytes("y")));
        c.Stabilize();
        Assert.Null(c.FindAppliedDivergence());
    }

    [Fact]
    public void Campaign_UnappliedConfChange_Refused()
    {
        var c = new Cluster(3);
        c.Elect(1);

        // Node 2 stores and learns the commit of a conf change but its application has not applied it yet.
        c[2].Paused = true;
        c[1].Node.ProposeConfChange(ConfChange.RemoveNode(3));
        c.Stabilize();
        c.Tick(1, 1);
        c.Stabilize();
        var r2 = c[2].Machine;
        Assert.True(r2.Log.Committed > r2.Log.Applied);
        c[2].Node.Campaign();
        Assert.Equal(StateRole.Follower, r2.State);

        // Once applied, the node may campaign again.
        c[2].Paused = false;
        c.ProcessReadies();
        c[2].Node.Campaign();
        Assert.Equal(StateRole.PreCandidate, r2.State);
    }

    [Fact]
    public void VoteRefusal_CarriesCommit_StaleCandidateLearnsIt()
    {
        // Node 2 holds the entries but has not heard that they committed; a refusal from node 1 (whose log is
        // longer) tells it, so it can apply pending membership changes.
        var c = new Cluster(3, o => o with { CheckQuorum = false });
        c.Elect(1);
        c.Isolate(2);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.Stabilize();
        var r2 = c[2].Machine;
        r2.Step(new Message { Type = MessageType.Append, From = 1, To = 2, Term = 2, Index = 2, LogTerm = 2, Entries = c[1].Storage.Entries(3, 4, ulong.MaxValue), Commit = 2 });
        Assert.Equal(2UL, r2.Log.Committed);
        r2.Step(new Message { Type = MessageType.PreVoteResponse, From = 3, To = 2, Term = 3, Reject = true, Commit = 3, LogTerm = 2 });
        Assert.Equal(3UL, r2.Log.Committed);

        // A commit whose term does not match our entry is not learned.
        r2.Step(new Message { Type = MessageType.PreVoteResponse, From = 3, To = 2, Term = 3, Reject = true, Commit = 3, LogTerm = 9 });
        Assert.Equal(3UL, r2.Log.Committed);
    }
}
