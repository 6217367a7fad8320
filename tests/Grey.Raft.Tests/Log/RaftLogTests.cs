using Grey.Raft.Log;

namespace Grey.Raft.Tests.Log;

public sealed class RaftLogTests
{
    private static Entry E(ulong term, ulong index) => new(term, index, EntryKind.Data, new byte[] { (byte)index });

    private static RaftLog WithStable(params Entry[] entries)
    {
        var s = new MemoryStorage();
        s.Append(entries);
        return new RaftLog(s, ulong.MaxValue, int.MaxValue);
    }

    [Fact]
    public void MaybeAppend_Mismatch_ReturnsNull()
    {
        var log = WithStable(E(1, 1), E(2, 2));
        Assert.Null(log.MaybeAppend(2, 1, 0, [E(3, 3)]));
        Assert.Null(log.MaybeAppend(3, 2, 0, [E(3, 4)]));
    }

    [Fact]
    public void MaybeAppend_Conflict_TruncatesAndCommitsUpToLastNew()
    {
        var log = WithStable(E(1, 1), E(2, 2), E(2, 3));
        Assert.Equal(3UL, log.MaybeAppend(1, 1, 10, [E(3, 2), E(3, 3)]));
        Assert.Equal(3UL, log.LastIndex());
        Assert.Equal(3UL, log.ZeroTermOnOutOfBounds(3));
        Assert.Equal(3UL, log.Committed);
    }

    [Fact]
    public void MaybeAppend_ConflictBelowCommit_FailsFast()
    {
        var log = WithStable(E(1, 1), E(2, 2));
        log.CommitTo(2);
        Assert.Throws<InvalidOperationException>(() => log.MaybeAppend(1, 1, 2, [E(3, 2)]));
    }

    [Fact]
    public void MaybeAppend_ExistingEntries_NoTruncation()
    {
        var log = WithStable(E(1, 1), E(2, 2), E(2, 3));
        Assert.Equal(2UL, log.MaybeAppend(1, 1, 0, [E(2, 2)]));
        Assert.Equal(3UL, log.LastIndex());
    }

    [Fact]
    public void FindConflictByTerm_SkipsEntriesOfHigherTerm()
    {
        var log = WithStable(E(1, 1), E(2, 2), E(4, 3), E(4, 4), E(5, 5));
        Assert.Equal((2UL, 2UL), log.FindConflictByTerm(5, 3));
        Assert.Equal((4UL, 4UL), log.FindConflictByTerm(5, 4));
        Assert.Equal((1UL, 1UL), log.FindConflictByTerm(4, 1));
        Assert.Equal((0UL, 0UL), log.FindConflictByTerm(4, 0));
    }

    [Fact]
    public void MaybeCommit_OnlyCurrentTermEntries()
    {
        var log = WithStable(E(1, 1), E(2, 2), E(3, 3));
        Assert.False(log.MaybeCommit(2, 3, ignoreTerm: false));
        Assert.Equal(0UL, log.Committed);
        Assert.True(log.MaybeCommit(3, 3, ignoreTerm: false));
        Assert.Equal(3UL, log.Committed);
    }

    [Fact]
    public void MaybeCommit_IgnoreTerm_CommitsByCountAndClamps()
    {
        var log = WithStable(E(1, 1), E(2, 2), E(3, 3));
        Assert.True(log.MaybeCommit(2, 3, ignoreTerm: true));
        Assert.Equal(2UL, log.Committed);
        Assert.True(log.MaybeCommit(ulong.MaxValue, 3, ignoreTerm: true));
        Assert.Equal(3UL, log.Committed);
    }

    [Fact]
    public void IsUpToDate_ComparesLastTermThenIndex()
    {
        var log = WithStable(E(1, 1), E(2, 2));
        Assert.True(log.IsUpToDate(1, 3));
        Assert.True(log.IsUpToDate(2, 2));
        Assert.False(log.IsUpToDate(1, 2));
        Assert.False(log.IsUpToDate(9, 1));
    }

    [Fact]
    public void Slice_AcrossStableAndUnstable_RespectsSizeButReturnsOne()
    {
        var log = WithStable(E(1, 1), E(1, 2));
        log.Append([E(1, 3), E(1, 4)]);
        Assert.Equal(4, log.Slice(1, 5, ulong.MaxValue).Count);
        Assert.Single(log.Slice(1, 5, 1));
        Assert.Equal(2, log.Slice(2, 5, 2 * (1 + Entry.OverheadBytes)).Count);
    }

    [Fact]
    public void Slice_Compacted_Throws()
    {
        var s = new MemoryStorage();
        s.Append([E(1, 1), E(1, 2), E(1, 3)]);
        s.CreateSnapshot(2, ConfState.OfVoters(1), ReadOnlyMemory<byte>.Empty);
        s.Compact(2);
        var log = new RaftLog(s, ulong.MaxValue, int.MaxValue);
        var e = Assert.Throws<RaftStorageException>(() => log.Slice(1, 4, ulong.MaxValue));
        Assert.Equal(StorageError.Compacted, e.Error);
        Assert.False(log.TryTerm(1, out _));
        Assert.True(log.TryTerm(2, out var t2));
        Assert.Equal(1UL, t2);
    }

    [Fact]
    public void StableTo_TermMismatch_KeepsUnstable()
    {
        var log = WithStable();
        log.Append([E(1, 1), E(1, 2)]);
        log.StableTo(2, 9);
        Assert.Equal(2, log.UnstableEntries().Count);
        log.StableTo(1, 1);
        Assert.Single(log.UnstableEntries());
    }

    [Fact]
    public void NextCommittedEntries_BoundedByCount()
    {
        var s = new MemoryStorage();
        s.Append([E(1, 1), E(1, 2), E(1, 3)]);
        var log = new RaftLog(s, ulong.MaxValue, 2);
        log.CommitTo(3);
        Assert.Equal(2, log.NextCommittedEntries().Count);
        log.AcceptApplying(2);
        Assert.Single(log.NextCommittedEntries());
    }
}
