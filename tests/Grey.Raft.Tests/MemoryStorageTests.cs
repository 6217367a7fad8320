namespace Grey.Raft.Tests;

public sealed class MemoryStorageTests
{
    private static Entry E(ulong term, ulong index, int size = 0) => new(term, index, EntryKind.Data, new byte[size]);

    [Fact]
    public void Append_Overlapping_TruncatesConflictingSuffix()
    {
        var s = new MemoryStorage();
        s.Append([E(1, 1), E(1, 2), E(1, 3)]);
        s.Append([E(2, 2)]);
        Assert.Equal(2UL, s.LastIndex());
        Assert.Equal(2UL, s.Term(2));
    }

    [Fact]
    public void Append_Gap_Throws()
    {
        var s = new MemoryStorage();
        s.Append([E(1, 1)]);
        Assert.Throws<InvalidOperationException>(() => s.Append([E(1, 3)]));
    }

    [Fact]
    public void Term_CompactedOrUnavailable_ThrowsWithReason()
    {
        var s = new MemoryStorage();
        s.Append([E(1, 1), E(1, 2), E(2, 3)]);
        s.CreateSnapshot(2, ConfState.OfVoters(1), ReadOnlyMemory<byte>.Empty);
        s.Compact(2);
        Assert.Equal(1UL, s.Term(2));
        Assert.Equal(StorageError.Compacted, Assert.Throws<RaftStorageException>(() => s.Term(1)).Error);
        Assert.Equal(StorageError.Unavailable, Assert.Throws<RaftStorageException>(() => s.Term(4)).Error);
        Assert.Equal(3UL, s.FirstIndex());
    }

    [Fact]
    public void Entries_MaxBytes_AtLeastOne()
    {
        var s = new MemoryStorage();
        s.Append([E(1, 1, 100), E(1, 2, 100), E(1, 3, 100)]);
        Assert.Single(s.Entries(1, 4, 1));
        Assert.Equal(2, s.Entries(1, 4, 2 * (100 + Entry.OverheadBytes)).Count);
        Assert.Equal(3, s.Entries(1, 4, ulong.MaxValue).Count);
    }

    [Fact]
    public void ApplySnapshot_Older_ThrowsOutOfDate()
    {
        var s = new MemoryStorage();
        s.ApplySnapshot(new Snapshot(new SnapshotMetadata(5, 2, ConfState.OfVoters(1)), ReadOnlyMemory<byte>.Empty));
        Assert.Equal(6UL, s.FirstIndex());
        Assert.Equal(5UL, s.LastIndex());
        var e = Assert.Throws<RaftStorageException>(() =>
            s.ApplySnapshot(new Snapshot(new SnapshotMetadata(4, 2, ConfState.OfVoters(1)), ReadOnlyMemory<byte>.Empty)));
        Assert.Equal(StorageError.SnapshotOutOfDate, e.Error);
    }

    [Fact]
    public void CreateSnapshot_PastLastIndex_Throws()
    {
        var s = new MemoryStorage();
        s.Append([E(1, 1)]);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.CreateSnapshot(2, null, ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void InitialState_ReturnsHardStateAndSnapshotConfState()
    {
        var s = new MemoryStorage();
        s.ApplySnapshot(new Snapshot(new SnapshotMetadata(3, 1, ConfState.OfVoters(1, 2)), ReadOnlyMemory<byte>.Empty));
        s.SetHardState(new HardState(4, 2, 3));
        var (hs, cs) = s.InitialState();
        Assert.Equal(new HardState(4, 2, 3), hs);
        Assert.True(cs.IsEquivalent(ConfState.OfVoters(2, 1)));
    }
}
