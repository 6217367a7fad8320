using Grey.Raft.Quorum;

namespace Grey.Raft.Tests.Quorum;

public sealed class MajorityConfigTests
{
    [Theory]
    [InlineData(new ulong[] { 5 }, 5UL)]
    [InlineData(new ulong[] { 5, 3 }, 3UL)]
    [InlineData(new ulong[] { 5, 3, 1 }, 3UL)]
    [InlineData(new ulong[] { 9, 8, 1, 1 }, 1UL)]
    [InlineData(new ulong[] { 9, 8, 7, 1 }, 7UL)]
    [InlineData(new ulong[] { 9, 8, 7, 2, 1 }, 7UL)]
    public void CommittedIndex_Majority_IsHighestIndexHeldByQuorum(ulong[] matches, ulong expected)
    {
        var cfg = new MajorityConfig(Enumerable.Range(1, matches.Length).Select(i => (ulong)i));
        Assert.Equal(expected, cfg.CommittedIndex(id => matches[id - 1]));
    }

    [Fact]
    public void CommittedIndex_MissingAck_CountsAsZero()
    {
        var cfg = new MajorityConfig([1, 2, 3]);
        Assert.Equal(0UL, cfg.CommittedIndex(id => id == 1 ? 10UL : null));
    }

    [Fact]
    public void CommittedIndex_Empty_IsMaxValue()
    {
        Assert.Equal(ulong.MaxValue, new MajorityConfig().CommittedIndex(_ => 0));
    }

    [Fact]
    public void Tally_Votes_WonLostPending()
    {
        var cfg = new MajorityConfig([1, 2, 3]);
        Assert.Equal(VoteResult.Pending, cfg.Tally(new Dictionary<ulong, bool> { [1] = true }));
        Assert.Equal(VoteResult.Won, cfg.Tally(new Dictionary<ulong, bool> { [1] = true, [2] = true }));
        Assert.Equal(VoteResult.Lost, cfg.Tally(new Dictionary<ulong, bool> { [1] = true, [2] = false, [3] = false }));
        Assert.Equal(VoteResult.Pending, cfg.Tally(new Dictionary<ulong, bool> { [2] = false }));

        // Votes of non-members do not count.
        Assert.Equal(VoteResult.Pending, cfg.Tally(new Dictionary<ulong, bool> { [1] = true, [9] = true }));
    }
}
