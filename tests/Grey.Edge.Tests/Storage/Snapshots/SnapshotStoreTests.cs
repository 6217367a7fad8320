using Grey.Edge.Storage.Files;
using Grey.Edge.Storage.Snapshots;
using Grey.Raft;

namespace Grey.Edge.Tests.Storage.Snapshots;

public sealed class SnapshotStoreTests
{
    private const string Dir = "/data/snap";

    private static Snapshot Snap(ulong index, ulong term, int size = 16) =>
        new(new SnapshotMetadata(index, term, new ConfState([1, 2], [4], [1, 3], [3], true)), Enumerable.Range(0, size).Select(i => (byte)(i + (int)index)).ToArray());

    private static void AssertSame(Snapshot expected, Snapshot? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Metadata.Index, actual.Metadata.Index);
        Assert.Equal(expected.Metadata.Term, actual.Metadata.Term);
        Assert.True(expected.Metadata.ConfState.IsEquivalent(actual.Metadata.ConfState));
        Assert.Equal(expected.Data.ToArray(), actual.Data.ToArray());
    }

    [Fact]
    public void Save_ThenLoadLatest_RoundTripsNewest()
    {
        var fs = new SimulatedFileSystem();
        var store = new SnapshotStore(fs, Dir, keep: 2, maxSnapshotBytes: 1 << 20);
        Assert.Null(store.LoadLatest());
        store.Save(Snap(10, 1));
        store.Save(Snap(20, 2));
        AssertSame(Snap(20, 2), new SnapshotStore(fs, Dir, 2, 1 << 20).LoadLatest());
    }

    [Fact]
    public void Save_MoreThanKeep_DeletesOldest()
    {
        var fs = new SimulatedFileSystem();
        var store = new SnapshotStore(fs, Dir, keep: 2, maxSnapshotBytes: 1 << 20);
        for (ulong i = 1; i <= 5; i++)
        {
            store.Save(Snap(i * 10, i));
        }

        Assert.Equal([Path.Combine(Dir, SnapshotStore.FileName(40, 4)), Path.Combine(Dir, SnapshotStore.FileName(50, 5))], store.Files());
    }

    [Fact]
    public void Save_PowerCutBeforeDirectorySync_LeavesOldSnapshotWhole()
    {
        var fs = new SimulatedFileSystem();
        var store = new SnapshotStore(fs, Dir, keep: 2, maxSnapshotBytes: 1 << 20);
        store.Save(Snap(10, 1));
        for (long stop = 1; stop <= 5; stop++)
        {
            var disk = fs.AfterCrash(powerLoss: false);
            disk.CrashAtOperation = disk.OperationCount + stop;
            Assert.ThrowsAny<IOException>(() => new SnapshotStore(disk, Dir, 2, 1 << 20).Save(Snap(20, 2)));
            foreach (var survivor in new[] { disk.AfterCrash(powerLoss: true), disk.AfterCrash(powerLoss: false) })
            {
                var loaded = new SnapshotStore(survivor, Dir, 2, 1 << 20).LoadLatest();
                Assert.NotNull(loaded);
                Assert.Contains(loaded.Metadata.Index, new ulong[] { 10, 20 });
                AssertSame(loaded.Metadata.Index == 10 ? Snap(10, 1) : Snap(20, 2), loaded);
                Assert.DoesNotContain(survivor.ListFiles(Dir), n => n.EndsWith(SnapshotStore.TempExtension, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void LoadLatest_NewestDamaged_ThrowsNamingFile()
    {
        var fs = new SimulatedFileSystem();
        var store = new SnapshotStore(fs, Dir, keep: 2, maxSnapshotBytes: 1 << 20);
        store.Save(Snap(10, 1));
        store.Save(Snap(20, 2));
        var path = Path.Combine(Dir, SnapshotStore.FileName(20, 2));
        var bytes = fs.ReadAllBytes(path);
        bytes[30] ^= 0x04;
        fs.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<SnapshotCorruptionException>(() => store.LoadLatest());
        Assert.Equal(path, ex.File);
        Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadLatest_NameDisagreesWithContent_Throws()
    {
        var fs = new SimulatedFileSystem();
        var store = new SnapshotStore(fs, Dir, keep: 2, maxSnapshotBytes: 1 << 20);
        store.Save(Snap(10, 1));
        fs.Rename(Path.Combine(Dir, SnapshotStore.FileName(10, 1)), Path.Combine(Dir, SnapshotStore.FileName(11, 1)));
        Assert.Throws<SnapshotCorruptionException>(() => store.LoadLatest());
    }

    [Fact]
    public void Save_LargerThanLimit_Throws()
    {
        var store = new SnapshotStore(new SimulatedFileSystem(), Dir, keep: 1, maxSnapshotBytes: 100);
        Assert.Throws<ArgumentException>(() => store.Save(Snap(1, 1, size: 200)));
    }
}
