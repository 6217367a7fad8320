using Grey.Raft.Tests.Support;

namespace Grey.Raft.Tests.Core;

public sealed class SmokeTests
{
    [Fact]
    public void Elect_ThreeNodes_ProposalIsAppliedEverywhere()
    {
        var c = new Cluster(3);
        var st = c.Elect(1);
        Assert.Equal(StateRole.Leader, st.Role);
        Assert.Equal(ProposeResult.Accepted, c[1].Node.Propose(Cluster.Bytes("a")));
        c.Stabilize();
        foreach (var id in new ulong[] { 1, 2, 3 })
        {
            Assert.Equal(["a"], c.AppliedData(id));
        }
    }
}
