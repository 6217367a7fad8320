using Grey.Raft.Membership;
using Grey.Raft.Tracker;

namespace Grey.Raft.Tests.Membership;

public sealed class ChangerTests
{
    private static ProgressTracker Tracker(ConfState cs)
    {
        var t = new ProgressTracker(8, 0);
        var (cfg, prs) = Changer.Restore(t, 10, cs);
        t.Config = cfg;
        t.Progress = prs;
        return t;
    }

    private static void Apply(ProgressTracker t, (TrackerConfig Config, SortedDictionary<ulong, Progress> Progress) next)
    {
        t.Config = next.Config;
        t.Progress = next.Progress;
    }

    [Fact]
    public void Simple_OneVoterChange_Applied()
    {
        var t = Tracker(ConfState.OfVoters(1, 2, 3));
        Apply(t, new Changer(t, 10).Simple([new(ConfChangeType.AddVoter, 4)]));
        Assert.True(t.Config.ToConfState().IsEquivalent(ConfState.OfVoters(1, 2, 3, 4)));
        Assert.Equal(10UL, t.Progress[4].Next);
    }

    [Fact]
    public void Simple_TwoVoterChanges_Refused()
    {
        var t = Tracker(ConfState.OfVoters(1, 2, 3));
        var e = Assert.Throws<ConfChangeException>(() =>
            new Changer(t, 10).Simple([new(ConfChangeType.AddVoter, 4), new(ConfChangeType.RemoveNode, 3)]));
        Assert.Contains("more than one voter", e.Message, StringComparison.Ordinal);

        // The tracker itself is untouched by the failed attempt.
        Assert.True(t.Config.ToConfState().IsEquivalent(ConfState.OfVoters(1, 2, 3)));
    }

    [Fact]
    public void Simple_RemoveLastVoter_Refused()
    {
        var t = Tracker(ConfState.OfVoters(1));
        Assert.Throws<ConfChangeException>(() => new Changer(t, 10).Simple([new(ConfChangeType.RemoveNode, 1)]));
    }

    [Fact]
    public void Simple_LearnerAddedAndPromoted()
    {
        var t = Tracker(ConfState.OfVoters(1, 2, 3));
        Apply(t, new Changer(t, 10).Simple([new(ConfChangeType.AddLearner, 4)]));
        Assert.True(t.Progress[4].IsLearner);
        Assert.Equal([4UL], t.Config.Learners);
        Apply(t, new Changer(t, 10).Simple([new(ConfChangeType.AddVoter, 4)]));
        Assert.False(t.Progress[4].IsLearner);
        Assert.Empty(t.Config.Learners);
    }

    [Fact]
    public void EnterJoint_DemoteVoter_BecomesLearnerNextThenLearner()
    {
        var t = Tracker(ConfState.OfVoters(1, 2, 3));
        Apply(t, new Changer(t, 10).EnterJoint(false, [new(ConfChangeType.AddLearner, 3), new(ConfChangeType.AddVoter, 4)]));
        var cs = t.Config.ToConfState();
        Assert.True(cs.IsJoint);
        Assert.Equal([1UL, 2UL, 4UL], cs.Voters.Order());
        Assert.Equal([1UL, 2UL, 3UL], cs.VotersOutgoing.Order());
        Assert.Equal([3UL], cs.LearnersNext);
        Assert.False(t.Progress[3].IsLearner);

        Apply(t, new Changer(t, 10).LeaveJoint());
        cs = t.Config.ToConfState();
        Assert.False(cs.IsJoint);
        Assert.Equal([3UL], cs.Learners);
        Assert.True(t.Progress[3].IsLearner);
    }

    [Fact]
    public void EnterJoint_RemovedVoter_ProgressKeptUntilLeave()
    {
        var t = Tracker(ConfState.OfVoters(1, 2, 3));
        Apply(t, new Changer(t, 10).EnterJoint(true, [new(ConfChangeType.RemoveNode, 3)]));
        Assert.True(t.Progress.ContainsKey(3));
        Assert.True(t.Config.AutoLeave);
        Apply(t, new Changer(t, 10).LeaveJoint());
        Assert.False(t.Progress.ContainsKey(3));
    }

    [Fact]
    public void EnterJoint_AlreadyJoint_Refused()
    {
        var t = Tracker(ConfState.OfVoters(1, 2, 3));
        Apply(t, new Changer(t, 10).EnterJoint(false, [new(ConfChangeType.AddVoter, 4)]));
        Assert.Throws<ConfChangeException>(() => new Changer(t, 10).EnterJoint(false, [new(ConfChangeType.AddVoter, 5)]));
        Assert.Throws<ConfChangeException>(() => new Changer(t, 10).Simple([new(ConfChangeType.AddVoter, 5)]));
    }

    [Fact]
    public void LeaveJoint_NotJoint_Refused()
    {
        var t = Tracker(ConfState.OfVoters(1, 2, 3));
        Assert.Throws<ConfChangeException>(() => new Changer(t, 10).LeaveJoint());
    }

    [Fact]
    public void Restore_JointConfState_RoundTrips()
    {
        var cs = new ConfState([1, 2, 4], [5], [1, 2, 3], [3], true);
        var t = Tracker(cs);
        Assert.True(t.Config.ToConfState().IsEquivalent(cs), t.Config.ToString());
    }
}
