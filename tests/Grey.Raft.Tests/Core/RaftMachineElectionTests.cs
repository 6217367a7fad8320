using Grey.Raft.Tests.Support;

namespace Grey.Raft.Tests.Core;

public sealed class RaftMachineElectionTests
{
    [Fact]
    public void Campaign_ThreeNodes_ElectsLeaderAndReplicatesProposal()
    {
        var c = new Cluster(3);
        var st = c.Elect(1);
        Assert.Equal(StateRole.Leader, st.Role);
        Assert.Equal(2UL, st.Term);
        Assert.Equal(ProposeResult.Accepted, c[1].Node.Propose(Cluster.Bytes("a")));
        c.Stabilize();
        foreach (var id in new ulong[] { 1, 2, 3 })
        {
            Assert.Equal(["a"], c.AppliedData(id));
            Assert.Equal(1UL, c[id].Node.Status().Leader);
        }
    }

    [Fact]
    public void Propose_OnFollower_ReturnsNotLeader()
    {
        var c = new Cluster(3);
        c.Elect(1);
        Assert.Equal(ProposeResult.NotLeader, c[2].Node.Propose(Cluster.Bytes("a")));
    }

    [Fact]
    public void Tick_Follower_CampaignsWithinRandomizedTimeoutRange()
    {
        // The timeout is drawn from [ElectionTick, 2*ElectionTick): no campaign before ElectionTick ticks,
        // always one by 2*ElectionTick ticks. Checked over many seeds.
        var timeouts = new HashSet<int>();
        for (var seed = 1; seed <= 60; seed++)
        {
            var c = new Cluster(3, seed: seed);
            var r = c[1].Machine;
            timeouts.Add(r.RandomizedElectionTimeout);
            Assert.InRange(r.RandomizedElectionTimeout, 10, 19);
            var ticks = 0;
            while (r.State == StateRole.Follower)
            {
                c.Tick(1);
                ticks++;
                Assert.True(ticks < 20, $"seed={seed}: no campaign after {ticks} ticks");
            }

            Assert.True(ticks >= 10, $"seed={seed}: campaigned after only {ticks} ticks");
        }

        Assert.True(timeouts.Count > 3, "the randomized timeout should vary with the seed");
    }

    [Fact]
    public void Campaign_SameSeed_SameTimeouts()
    {
        var a = new Cluster(3, seed: 42);
        var b = new Cluster(3, seed: 42);
        Assert.Equal(a[2].Machine.RandomizedElectionTimeout, b[2].Machine.RandomizedElectionTimeout);
    }

    [Fact]
    public void Vote_AlreadyVotedInTerm_RejectsSecondCandidate()
    {
        var c = new Cluster(3, o => o with { PreVote = false, CheckQuorum = false });
        var voter = c[3].Machine;
        voter.Step(new Message { Type = MessageType.Vote, From = 1, To = 3, Term = 5, Index = 1, LogTerm = 1 });
        voter.Step(new Message { Type = MessageType.Vote, From = 2, To = 3, Term = 5, Index = 1, LogTerm = 1 });
        var responses = voter.Messages.Where(m => m.Type == MessageType.VoteResponse).ToList();
        Assert.False(responses.Single(m => m.To == 1).Reject);
        Assert.True(responses.Single(m => m.To == 2).Reject);
        Assert.Equal(1UL, voter.Vote);
    }

    [Fact]
    public void Vote_SabotageGrantTwoVotesPerTerm_GrantsSecondCandidate()
    {
        var c = new Cluster(3, o => o with { PreVote = false, CheckQuorum = false, Sabotage = RaftSabotage.GrantTwoVotesPerTerm });
        var voter = c[3].Machine;
        voter.Step(new Message { Type = MessageType.Vote, From = 1, To = 3, Term = 5, Index = 1, LogTerm = 1 });
        voter.Step(new Message { Type = MessageType.Vote, From = 2, To = 3, Term = 5, Index = 1, LogTerm = 1 });
        Assert.All(voter.Messages.Where(m => m.Type == MessageType.VoteResponse), m => Assert.False(m.Reject));
    }

    [Fact]
    public void Election_SabotageGrantTwoVotesPerTerm_TwoLeadersInOneTerm()
    {
        // Nodes 1 and 2 campaign in the same term; node 3 votes for both under the sabotage.
        static int LeadersInTerm(RaftSabotage sabotage)
        {
            var c = new Cluster(3, o => o with { PreVote = false, CheckQuorum = false, Sabotage = sabotage });
            c[1].Node.Campaign();
            c[2].Node.Campaign();
            c.Stabilize(m => m.Type == MessageType.VoteResponse && m.From != 3 ? null : m);
            return c.Nodes.Values.Count(n => n.Node.Status() is { Role: StateRole.Leader, Term: 2 });
        }

        Assert.Equal(1, LeadersInTerm(RaftSabotage.None));
        Assert.Equal(2, LeadersInTerm(RaftSabotage.GrantTwoVotesPerTerm));
    }

    [Fact]
    public void Vote_CandidateLogBehind_Rejected()
    {
        var c = new Cluster(3, o => o with { PreVote = false, CheckQuorum = false });
        c.Elect(1);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.Stabilize();
        var voter = c[3].Machine;
        voter.Step(new Message { Type = MessageType.Vote, From = 2, To = 3, Term = 9, Index = 2, LogTerm = 2 });
        Assert.True(voter.Messages.Single(m => m.Type == MessageType.VoteResponse).Reject);
    }

    [Fact]
    public void Vote_SabotageSkipLogUpToDateCheck_GrantsStaleCandidate()
    {
        var c = new Cluster(3, o => o with { PreVote = false, CheckQuorum = false, Sabotage = RaftSabotage.SkipLogUpToDateCheck });
        c.Elect(1);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.Stabilize();
        var voter = c[3].Machine;
        voter.Step(new Message { Type = MessageType.Vote, From = 2, To = 3, Term = 9, Index = 2, LogTerm = 2 });
        Assert.False(voter.Messages.Single(m => m.Type == MessageType.VoteResponse).Reject);
    }

    [Fact]
    public void PreVote_IsolatedNode_TermDoesNotRise()
    {
        var c = new Cluster(3, o => o with { CheckQuorum = false });
        c.Elect(1);
        c.Isolate(3);
        for (var i = 0; i < 5; i++)
        {
            c.Tick(3, 25);
            c.Stabilize();
        }

        Assert.Equal(2UL, c[3].Node.Status().Term);
        Assert.Equal(StateRole.PreCandidate, c[3].Node.Status().Role);
        c.Heal();
        c.Tick(1, 1);
        c.Stabilize();
        Assert.Equal(1UL, c.Leader());
        Assert.Equal(2UL, c[1].Node.Status().Term);
    }

    [Fact]
    public void NoPreVote_IsolatedNode_TermRisesAndDisruptsOnReturn()
    {
        // The control for the test above: without pre-vote (and check-quorum) the returning node deposes the leader.
        var c = new Cluster(3, o => o with { CheckQuorum = false, PreVote = false });
        c.Elect(1);
        c.Isolate(3);
        for (var i = 0; i < 5; i++)
        {
            c.Tick(3, 25);
            c.Stabilize();
        }

        Assert.True(c[3].Node.Status().Term > 5);
        c.Heal();
        c.Tick(3, 25);
        c.Stabilize();
        Assert.True(c[1].Node.Status().Term > 5, "the returning node's term should have deposed leader 1");
    }

    [Fact]
    public void CheckQuorum_LeaderCutOff_StepsDownAfterTwoElectionTimeouts()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c.Isolate(1);
        c.Tick(1, 10);
        c.Stabilize();
        Assert.Equal(StateRole.Leader, c[1].Node.Status().Role);
        c.Tick(1, 10);
        Assert.Equal(StateRole.Follower, c[1].Node.Status().Role);
    }

    [Fact]
    public void CheckQuorum_Off_LeaderCutOffStaysLeader()
    {
        var c = new Cluster(3, o => o with { CheckQuorum = false });
        c.Elect(1);
        c.Isolate(1);
        c.Tick(1, 50);
        Assert.Equal(StateRole.Leader, c[1].Node.Status().Role);
    }

    [Fact]
    public void CheckQuorum_FollowerInLease_IgnoresVoteOfHigherTerm()
    {
        var c = new Cluster(3);
        c.Elect(1);
        var follower = c[3].Machine;
        follower.Step(new Message { Type = MessageType.Vote, From = 2, To = 3, Term = 7, Index = 9, LogTerm = 9 });
        Assert.Equal(2UL, follower.Term);
        Assert.Empty(follower.Messages);

        // A transfer campaign says so in its context and is not refused for the lease.
        follower.Step(new Message { Type = MessageType.Vote, From = 2, To = 3, Term = 7, Index = 9, LogTerm = 9, Context = Grey.Raft.Core.RaftMachine.CampaignTransferContext });
        Assert.Equal(7UL, follower.Term);
        Assert.False(follower.Messages.Single().Reject);
    }

    [Fact]
    public void Campaign_Learner_DoesNothing()
    {
        var c = new Cluster(2, learners: 1);
        c[3].Node.Campaign();
        c.Tick(3, 100);
        Assert.Equal(StateRole.Follower, c[3].Node.Status().Role);
        Assert.Empty(c.Queue);
        Assert.False(c[3].Node.HasReady());
    }

    [Fact]
    public void StaleLeader_HigherTermAnswer_StepsDown()
    {
        var c = new Cluster(3, o => o with { CheckQuorum = false });
        c.Elect(1);
        c.Isolate(1);
        c.Elect(2);
        Assert.Equal(StateRole.Leader, c[1].Node.Status().Role);
        c.Heal();
        c[1].Node.Propose(Cluster.Bytes("stale"));
        c.Stabilize();
        Assert.Equal(StateRole.Follower, c[1].Node.Status().Role);
        Assert.Equal(2UL, c.Leader());
        Assert.Null(c.FindAppliedDivergence());
        Assert.DoesNotContain("stale", c.AppliedData(2));
    }
}
