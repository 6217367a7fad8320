using Grey.Region.Ingest;
using Grey.Region.Storage;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests;

/// <summary>Checkpoints encoded and written off the ingest thread (<see cref="RegionOptions.CheckpointInBackground"/>).</summary>
public sealed partial class RegionCoreTests
{
    [Fact]
    public async Task BackgroundCheckpoint_AcksAtOnce_AndAReopenRebuildsTheSameState()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var fs = new CrashingFileSystem();
        var options = new RegionOptions { CheckpointEveryRecords = 4, CheckpointInBackground = true };
        byte[] hash;
        using (RegionCore region = h.Open(fs, options))
        {
            for (ulong a = 1; a <= 30; a += 3)
            {
                Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(a, a + 2, h.A1.Certificate), "site-a").Status);
                SignedAck ack = Assert.Single(region.Flush());
                Assert.Equal(a + 2, ack.MergedIndex);

                // One at a time, as in production; waiting here only keeps the in-memory disk single-threaded.
                region.WaitForCheckpoint();
            }

            Assert.True(region.Metrics.Checkpoints >= 2, $"{region.Metrics.Checkpoints} checkpoints");
            hash = region.ComputeStateHash();
        }

        // The checkpoints replaced the segments before them: one checkpoint and what came after it remain.
        Assert.Single(fs.List(), n => n.StartsWith("ckpt-", StringComparison.Ordinal));
        using RegionCore reopened = h.Open(fs.AfterCrash(), options);
        Assert.Equal(hash, reopened.ComputeStateHash());
        Assert.Equal(IngestStatus.Duplicate, reopened.IngestDelta(h.SiteA.Signed(28, 30, h.A1.Certificate), "site-a").Status);
        Assert.Equal(30UL, Assert.Single(reopened.Flush()).MergedIndex);
    }

    [Fact]
    public void Store_CrashBetweenTheTwoHalvesOfACheckpoint_ReplaysEveryRecordFromTheOlderBase()
    {
        var fs = new CrashingFileSystem();
        var store = RegionStore.Open(fs, _ => { }, _ => { });
        for (int i = 0; i < 5; i++)
        {
            store.Append("site-a", [1, 2, 3], [(byte)i]);
        }

        ulong cut = store.BeginCheckpoint();
        Assert.Equal(6UL, cut);
        for (int i = 5; i < 8; i++)
        {
            store.Append("site-a", [1, 2, 3], [(byte)i]);
        }

        store.Sync();

        // The power goes out before the checkpoint file exists: no checkpoint, two segments, all eight records.
        var replayed = new List<ulong>();
        int checkpoints = 0;
        using (var reopened = RegionStore.Open(fs.AfterCrash(), _ => checkpoints++, d => replayed.Add(d.Sequence)))
        {
            Assert.Equal(0, checkpoints);
            Assert.Equal([1UL, 2, 3, 4, 5, 6, 7, 8], replayed);
            Assert.Equal(9UL, reopened.NextSequence);
        }

        // Completed: the checkpoint covers 1..5, and only 6..8 replay after it.
        var fs2 = new CrashingFileSystem();
        var store2 = RegionStore.Open(fs2, _ => { }, _ => { });
        for (int i = 0; i < 5; i++)
        {
            store2.Append("site-a", [1, 2, 3], [(byte)i]);
        }

        ulong cut2 = store2.BeginCheckpoint();
        for (int i = 5; i < 8; i++)
        {
            store2.Append("site-a", [1, 2, 3], [(byte)i]);
        }

        store2.Sync();
        store2.CompleteCheckpoint(cut2, [42]);
        replayed.Clear();
        byte[]? loaded = null;
        using var reopened2 = RegionStore.Open(fs2.AfterCrash(), s => loaded = s, d => replayed.Add(d.Sequence));
        Assert.Equal(new byte[] { 42 }, loaded);
        Assert.Equal([6UL, 7, 8], replayed);
        Assert.DoesNotContain(fs2.List(), n => n == StoreFormat.SegmentName(1));
    }

    [Fact]
    public async Task BackgroundCheckpoint_ThatFails_FaultsTheRegionAtItsNextFlush()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var fs = new CheckpointRefusingFileSystem(new CrashingFileSystem());
        using RegionCore region = h.Open(fs, new RegionOptions { CheckpointEveryRecords = 2, CheckpointInBackground = true });
        Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(1, 3, h.A1.Certificate), "site-a").Status);
        _ = region.Flush();
        Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(4, 6, h.A1.Certificate), "site-a").Status);
        Assert.Single(region.Flush());
        region.WaitForCheckpoint();

        Assert.ThrowsAny<InvalidOperationException>(() => region.IngestDelta(h.SiteA.Signed(7, 9, h.A1.Certificate), "site-a"));
    }

    /// <summary>A disk on which every checkpoint file fails to open.</summary>
    private sealed class CheckpointRefusingFileSystem(IRegionFileSystem inner) : IRegionFileSystem
    {
        public IReadOnlyList<string> List() => inner.List();

        public byte[] ReadAll(string name) => inner.ReadAll(name);

        public IRegionFile OpenAppend(string name) =>
            name.StartsWith("ckpt-", StringComparison.Ordinal) ? throw new IOException("no space left on device") : inner.OpenAppend(name);

        public void Rename(string from, string to) => inner.Rename(from, to);

        public void Delete(string name) => inner.Delete(name);

        public void SyncDirectory() => inner.SyncDirectory();
    }
}
