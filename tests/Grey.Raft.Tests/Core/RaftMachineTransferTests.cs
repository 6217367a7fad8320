using Grey.Raft.Tests.Support;

namespace Grey.Raft.Tests.Core;

public sealed class RaftMachineTransferTests
{
    [Fact]
    public void TransferLeader_UpToDateTarget_TargetLeadsNextTerm()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c[1].Node.TransferLeader(3);
        c.Stabilize();
        Assert.Equal(3UL, c.Leader());
        Assert.Equal(3UL, c[3].Node.Status().Term);
    }

    [Fact]
    public void TransferLeader_LaggingTarget_CatchesUpFirst()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c.Isolate(3);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.Stabilize();
        c.Heal();
        c.Delivered.Clear();
        c[1].Node.TransferLeader(3);
        c.Stabilize();
        Assert.Equal(3UL, c.Leader());
        var order = c.Delivered.Select(m => m.Type).ToList();
        Assert.True(order.IndexOf(MessageType.Append) < order.IndexOf(MessageType.TimeoutNow));
        Assert.Equal(["a"], c.AppliedData(3));
    }

    [Fact]
    public void TransferLeader_InProgress_ProposalsDropped()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c.Isolate(3);
        c[1].Node.TransferLeader(3);
        Assert.Equal(3UL, c[1].Node.Status().LeadTransferee);
        Assert.Equal(ProposeResult.Dropped, c[1].Node.Propose(Cluster.Bytes("x")));
    }

    [Fact]
    public void TransferLeader_NotDoneWithinElectionTimeout_Aborted()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c.Isolate(3);
        c[1].Node.TransferLeader(3);
        c.Tick(1, 9);
        Assert.Equal(3UL, c[1].Node.Status().LeadTransferee);
        c.Tick(1, 1);
        Assert.Equal(0UL, c[1].Node.Status().LeadTransferee);
        Assert.Equal(ProposeResult.Accepted, c[1].Node.Propose(Cluster.Bytes("x")));
    }

    [Fact]
    public void TransferLeader_ToLearner_Ignored()
    {
        var c = new Cluster(2, learners: 1);
        c.Elect(1);
        c[1].Node.TransferLeader(3);
        Assert.Equal(0UL, c[1].Node.Status().LeadTransferee);
    }

    [Fact]
    public void TransferLeader_FromFollower_ForwardedToLeader()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c[2].Node.TransferLeader(2);
        c.Stabilize();
        Assert.Equal(2UL, c.Leader());
    }
}
