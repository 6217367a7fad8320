using Grey.Raft.Quorum;

namespace Grey.Raft.Tests.Quorum;

public sealed class JointConfigTests
{
    private static JointConfig Joint() => new() { Incoming = new MajorityConfig([1, 2, 4]), Outgoing = new MajorityConfig([1, 2, 3]) };

    [Fact]
    public void CommittedIndex_Joint_MinimumOfBothHalves()
    {
        var matches = new Dictionary<ulong, ulong> { [1] = 10, [2] = 5, [3] = 9, [4] = 2 };
        Assert.Equal(5UL, Joint().CommittedIndex(id => matches[id]));
        matches[4] = 10;
        matches[2] = 1;
        Assert.Equal(9UL, Joint().CommittedIndex(id => matches[id]));
    }

    [Fact]
    public void CommittedIndex_NotJoint_IncomingOnly()
    {
        var cfg = new JointConfig { Incoming = new MajorityConfig([1, 2, 3]) };
        Assert.Equal(7UL, cfg.CommittedIndex(id => id == 3 ? 1UL : 7UL));
    }

    [Fact]
    public void Tally_Joint_NeedsBothHalves()
    {
        Assert.Equal(VoteResult.Pending, Joint().Tally(new Dictionary<ulong, bool> { [1] = true, [4] = true }));
        Assert.Equal(VoteResult.Won, Joint().Tally(new Dictionary<ulong, bool> { [1] = true, [4] = true, [3] = true }));
        Assert.Equal(VoteResult.Lost, Joint().Tally(new Dictionary<ulong, bool> { [2] = false, [3] = false }));
    }
}
