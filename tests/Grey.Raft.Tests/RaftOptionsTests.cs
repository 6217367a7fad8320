namespace Grey.Raft.Tests;

public sealed class RaftOptionsTests
{
    private static RaftOptions Valid() => new() { Id = 1, Storage = new MemoryStorage(), Random = new Random(1) };

    [Fact]
    public void Validate_Defaults_NoErrors()
    {
        Assert.Empty(Valid().Validate());
        var o = Valid();
        Assert.Equal(10, o.ElectionTick);
        Assert.Equal(1, o.HeartbeatTick);
        Assert.True(o.PreVote);
        Assert.True(o.CheckQuorum);
        Assert.Equal(ReadOnlyOption.Safe, o.ReadOnlyOption);
        Assert.Equal(RaftSabotage.None, o.Sabotage);
    }

    [Fact]
    public void Validate_EverythingWrong_ReportsEveryErrorAtOnce()
    {
        var o = new RaftOptions
        {
            Id = 0,
            ElectionTick = 0,
            HeartbeatTick = 0,
            MaxSizePerMsg = 0,
            MaxInflightMessages = 0,
            MaxEntrySize = 0,
            MaxPendingReadIndex = 0,
            MaxCommittedEntriesPerReady = 0,
            MaxCommittedSizePerReady = 0,
            CheckQuorum = false,
            ReadOnlyOption = ReadOnlyOption.LeaseBased,
        };
        var errors = o.Validate();
        string[] expected =
        [
            "Id", "HeartbeatTick", "ElectionTick", "Storage", "Random", "MaxSizePerMsg must be positive",
            "MaxInflightMessages", "MaxEntrySize must be positive", "MaxPendingReadIndex", "MaxCommittedEntriesPerReady",
            "MaxCommittedSizePerReady", "LeaseBased requires CheckQuorum",
        ];
        foreach (var e in expected)
        {
            Assert.Contains(errors, x => x.Contains(e, StringComparison.Ordinal));
        }

        Assert.True(errors.Count >= expected.Length);
    }

    [Fact]
    public void Validate_InconsistentLimits_Reported()
    {
        var o = Valid() with { MaxInflightBytes = 10, MaxSizePerMsg = 100, MaxEntrySize = 1000, MaxUncommittedEntriesSize = 10 };
        var errors = o.Validate();
        Assert.Contains(errors, e => e.Contains("MaxInflightBytes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("MaxUncommittedEntriesSize", StringComparison.Ordinal));
    }

    [Fact]
    public void RawNode_InvalidOptions_ThrowsWithAllErrors()
    {
        var e = Assert.Throws<ArgumentException>(() => new RawNode(new RaftOptions { Id = 0 }));
        Assert.Contains("Id must be non-zero", e.Message, StringComparison.Ordinal);
        Assert.Contains("Storage is required", e.Message, StringComparison.Ordinal);
    }
}
