using Grey.Edge.Storage;
using Grey.Edge.Storage.Files;
using Grey.Edge.Storage.Snapshots;
using Grey.Edge.Storage.Wal;
using Grey.Raft;
using Microsoft.Extensions.Time.Testing;
using static Grey.Edge.Tests.Storage.StorageTestKit;

namespace Grey.Edge.Tests.Storage;

public sealed class WalRaftStorageTests
{
    private static Entry[] Range(ulong term, ulong from, ulong to, int size = 50) =>
        Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => new Entry(term, (ulong)i, EntryKind.Data, new byte[size])).ToArray();

    private sealed class FixedRetention(ulong lowest) : ILogRetention
    {
        public ulong Lowest { get; set; } = lowest;

        public List<(ulong, RetentionOverride)> Discards { get; } = [];

        public ulong LowestIndexNeeded() => Lowest;

        public void Discarded(ulong throughIndex, RetentionOverride reason) => Discards.Add((throughIndex, reason));
    }

    [Fact]
    public async Task OpenAsync_Empty_BehavesAsNewMemoryStorage()
    {
        await using var storage = await OpenAsync(new SimulatedFileSystem());
        Assert.Equal(Signature(new MemoryStorage()), Signature(storage));
        Assert.Throws<RaftStorageException>(() => storage.Term(1));
        Assert.Equal(StorageError.Unavailable, Assert.Throws<RaftStorageException>(() => storage.Entries(1, 2, 100)).Error);
    }

    [Fact]
    public async Task CompactAsync_RetentionHookNeedsEntries_HoldsBackThenReleases()
    {
        var fs = new SimulatedFileSystem();
        var hook = new FixedRetention(lowest: 11);
        await using var storage = await OpenAsync(fs, retention: hook);
        await storage.AppendAsync(Range(1, 1, 40));
        await storage.CreateSnapshotAsync(30, ConfState.OfVoters(1), new byte[] { 1 });
        var held = await storage.CompactAsync(30);
        Assert.Equal(10UL, held.CompactedThrough);
        Assert.True(held.HeldBack);
        Assert.Equal(11UL, storage.FirstIndex());
        Assert.Empty(hook.Discards);

        // The region acknowledged up to 25: compaction may now go further.
        hook.Lowest = 26;
        Assert.Equal(25UL, (await storage.CompactAsync(30)).CompactedThrough);
        Assert.Equal(26UL, storage.FirstIndex());
    }

    [Fact]
    public async Task CompactAsync_HeldBytesOverBudget_DiscardsOldestAndTellsHook()
    {
        var fs = new SimulatedFileSystem();
        var hook = new FixedRetention(lowest: 1);
        var recordBytes = WalRecordCodec.EntrySize(Range(1, 1, 1)[0]);
        var options = Small with { Retention = new RetentionBudget { MaxBytes = 10L * recordBytes } };
        await using var storage = await OpenAsync(fs, retention: hook, options: options);
        await storage.AppendAsync(Range(1, 1, 40));
        await storage.CreateSnapshotAsync(30, ConfState.OfVoters(1), new byte[] { 1 });
        var result = await storage.CompactAsync(30);
        Assert.Equal(20UL, result.CompactedThrough);
        Assert.Equal(RetentionOverride.Bytes, result.Override);
        Assert.Equal([(20UL, RetentionOverride.Bytes)], hook.Discards);
    }

    [Fact]
    public async Task CompactAsync_HeldEntriesOlderThanBudget_DiscardsThem()
    {
        var fs = new SimulatedFileSystem();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var hook = new FixedRetention(lowest: 1);
        var options = Small with { Retention = new RetentionBudget { MaxAge = TimeSpan.FromHours(1) } };
        await using var storage = await OpenAsync(fs, clock, hook, options);
        await storage.AppendAsync(Range(1, 1, 10));
        clock.Advance(TimeSpan.FromHours(2));
        await storage.AppendAsync(Range(1, 11, 20));
        await storage.CreateSnapshotAsync(18, ConfState.OfVoters(1), new byte[] { 1 });
        var result = await storage.CompactAsync(18);
        Assert.Equal(10UL, result.CompactedThrough);
        Assert.Equal(RetentionOverride.Age, result.Override);
        Assert.Equal([(10UL, RetentionOverride.Age)], hook.Discards);
    }

    [Fact]
    public async Task CompactAsync_PastNewestSnapshot_Throws()
    {
        await using var storage = await OpenAsync(new SimulatedFileSystem());
        await storage.AppendAsync(Range(1, 1, 10));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await storage.CompactAsync(5));
        await storage.CreateSnapshotAsync(5, null, default);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await storage.CompactAsync(11));
        Assert.Equal(5UL, (await storage.CompactAsync(5)).CompactedThrough);

        // The WAL's slots were all given back: the storage still accepts a full queue of operations.
        for (var i = 0; i < Small.Wal.MaxPendingOperations + 5; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await storage.CompactAsync(8));
        }

        await storage.AppendAsync(Range(1, 11, 11));
    }

    [Fact]
    public async Task AppendAsync_ReplacingEntryCoveredBySnapshot_Throws()
    {
        await using var storage = await OpenAsync(new SimulatedFileSystem());
        await storage.AppendAsync(Range(1, 1, 10));
        await storage.CreateSnapshotAsync(6, null, default);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await storage.AppendAsync(Range(2, 5, 7)));

        // Above the snapshot a conflicting suffix is replaced as usual.
        await storage.AppendAsync(Range(2, 7, 8));
        Assert.Equal(8UL, storage.LastIndex());
        Assert.Equal(2UL, storage.Term(7));
    }

    [Fact]
    public async Task OpenAsync_SnapshotNewerThanLog_FinishesTheInstall()
    {
        // The state a crash leaves between the two steps of installing a leader's snapshot: the snapshot file is
        // durable, the log's reset marker is not.
        var fs = new SimulatedFileSystem();
        await using (var storage = await OpenAsync(fs))
        {
            await storage.AppendAsync(Range(1, 1, 10), new HardState(1, 1, 5));
        }

        new SnapshotStore(fs, Path.Combine(Dir, "snap"), 2, 1 << 20)
            .Save(new Snapshot(new SnapshotMetadata(50, 3, ConfState.OfVoters(1, 2, 3)), new byte[] { 5 }));
        await using (var reopened = await OpenAsync(fs))
        {
            Assert.Equal(51UL, reopened.FirstIndex());
            Assert.Equal(50UL, reopened.LastIndex());
            Assert.Equal(3UL, reopened.Term(50));
            Assert.Equal(new HardState(1, 1, 50), reopened.HardState);
            await reopened.AppendAsync(Range(3, 51, 52));
        }

        await using var again = await OpenAsync(fs);
        Assert.Equal(52UL, again.LastIndex());
    }

    [Fact]
    public async Task OpenAsync_LogCompactedButSnapshotMissing_Throws()
    {
        var fs = new SimulatedFileSystem();
        await using (var storage = await OpenAsync(fs))
        {
            await storage.AppendAsync(Range(1, 1, 100, 200));
            await storage.CreateSnapshotAsync(90, null, default);
            await storage.CompactAsync(90);
        }

        foreach (var name in fs.ListFiles(Path.Combine(Dir, "snap")))
        {
            fs.Delete(Path.Combine(Dir, "snap", name));
        }

        var ex = await Assert.ThrowsAsync<WalCorruptionException>(async () => await OpenAsync(fs));
        Assert.Contains("newest snapshot is at 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendAsync_AfterFsyncFailure_NodeMustStop()
    {
        var fs = new SimulatedFileSystem();
        await using var storage = await OpenAsync(fs);
        await storage.AppendAsync(Range(1, 1, 3), new HardState(1, 1, 0));
        fs.FailFlush = _ => true;
        await Assert.ThrowsAsync<WalFailedException>(async () => await storage.SetHardStateAsync(new HardState(2, 2, 0)));
        fs.FailFlush = null;
        await Assert.ThrowsAsync<WalFailedException>(async () => await storage.AppendAsync(Range(2, 4, 4)));
        await using var reopened = await OpenAsync(fs.AfterCrash(powerLoss: true));
        Assert.Equal(new HardState(1, 1, 0), reopened.HardState);
        Assert.Equal(3UL, reopened.LastIndex());
    }

    [Fact]
    public void Options_Invalid_ReportsEveryError()
    {
        var options = new EdgeStorageOptions
        {
            Wal = new WalOptions { SegmentBytes = 1 },
            SnapshotsKept = 0,
            MaxSnapshotBytes = 1,
            Retention = new RetentionBudget { MaxBytes = -1, MaxAge = TimeSpan.FromSeconds(-1) },
        };
        var errors = options.Validate();
        Assert.Equal(6, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Wal.", StringComparison.Ordinal));
        Assert.Empty(new EdgeStorageOptions().Validate());
    }
}
