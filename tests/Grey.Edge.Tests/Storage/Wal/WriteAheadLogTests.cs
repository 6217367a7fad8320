using Grey.Edge.Storage.Files;
using Grey.Edge.Storage.Wal;
using Grey.Raft;
using Xunit.Abstractions;
using static Grey.Edge.Tests.Storage.Wal.WalTestKit;

namespace Grey.Edge.Tests.Storage.Wal;

public sealed class WriteAheadLogTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AppendAsync_ThenReopen_ReturnsEntriesAndHardState()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out var fresh))
        {
            Assert.Empty(fresh.Entries);
            await wal.AppendAsync(Range(1, 1, 5), new HardState(1, 2, 3));
            await wal.AppendAsync(Range(2, 6, 7), null);
        }

        await using var reopened = Open(fs, out var state);
        AssertEntries([.. Range(1, 1, 5), .. Range(2, 6, 7)], state.Entries);
        Assert.Equal(new HardState(1, 2, 3), state.HardState);
        Assert.Equal(0UL, state.Floor);
        Assert.Null(state.Report.TornFile);
    }

    [Fact]
    public async Task AppendAsync_ConflictingSuffix_ReplacedAfterReopen()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            await wal.AppendAsync(Range(1, 1, 10), new HardState(1, 1, 4));

            // A new leader of term 3 overwrites the follower's log from index 6.
            await wal.AppendAsync(Range(3, 6, 7), new HardState(3, 2, 5));
        }

        await using var reopened = Open(fs, out var state);
        AssertEntries([.. Range(1, 1, 5), .. Range(3, 6, 7)], state.Entries);
        Assert.Equal(new HardState(3, 2, 5), state.HardState);
    }

    [Fact]
    public async Task AppendAsync_GapOrBelowFloor_ThrowsAndLeavesLogUsable()
    {
        var fs = new SimulatedFileSystem();
        await using var wal = Open(fs, out _);
        await wal.AppendAsync(Range(1, 1, 3), null);
        await Assert.ThrowsAsync<ArgumentException>(async () => await wal.AppendAsync(Range(1, 5, 6), null));
        await Assert.ThrowsAsync<ArgumentException>(async () => await wal.AppendAsync([E(1, 4), E(1, 6)], null));
        await Assert.ThrowsAsync<ArgumentException>(async () => await wal.AppendAsync([E(1, 4, 5000)], null));
        await wal.CompactAsync(2, 1);
        await Assert.ThrowsAsync<ArgumentException>(async () => await wal.AppendAsync(Range(2, 2, 3), null));
        await wal.AppendAsync(Range(1, 4, 4), null);
    }

    [Fact]
    public async Task AppendAsync_ManyEntries_RollsSegmentsAndReplaysAll()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            for (ulong i = 1; i <= 200; i++)
            {
                await wal.AppendAsync([E(1, i, 100)], new HardState(1, 1, i - 1));
            }

            Assert.True(wal.Segments.Count >= 5, $"expected several segments, got {wal.Segments.Count}");
        }

        Assert.True(SegmentPaths(fs).Count >= 5);
        await using var reopened = Open(fs, out var state);
        AssertEntries(Range(1, 1, 200, 100), state.Entries);
        Assert.Equal(new HardState(1, 1, 199), state.HardState);
    }

    [Fact]
    public async Task CompactAsync_DeletesWholeSegmentsBelowFloor_AndReopenKeepsTheRest()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            for (ulong i = 1; i <= 200; i++)
            {
                await wal.AppendAsync([E(1 + (i / 50), i, 100)], new HardState(1 + (i / 50), 1, i));
            }

            var before = wal.Segments.Count;
            await wal.CompactAsync(150, 1 + (150 / 50));
            Assert.True(wal.Segments.Count < before, "compaction deleted no segment");
            Assert.True(wal.Segments[0].FirstIndex <= 151);
        }

        await using var reopened = Open(fs, out var state);
        Assert.Equal(150UL, state.Floor);
        Assert.Equal(4UL, state.FloorTerm);
        Assert.Equal(new HardState(5, 1, 200), state.HardState);
        AssertEntries(Enumerable.Range(151, 50).Select(i => E(1 + ((ulong)i / 50), (ulong)i, 100)), state.Entries);
    }

    [Fact]
    public async Task CompactAsync_TruncationAfterRollThenCompaction_ReplaysTheFinalLog()
    {
        // A follower's log crosses a segment boundary, is then overwritten from below that boundary and
        // compacted above it: replay starts in the middle of the history and must not resurrect old entries.
        var fs = new SimulatedFileSystem();
        var options = SmallSegments;
        await using (var wal = Open(fs, out _, options))
        {
            for (ulong i = 1; i <= 60; i++)
            {
                await wal.AppendAsync([E(1, i, 100)], null);
            }

            await wal.AppendAsync(Range(2, 30, 40, 100), null);
            await wal.AppendAsync(Range(2, 41, 45, 100), null);
            await wal.CompactAsync(44, 2);
        }

        await using var reopened = Open(fs, out var state);
        Assert.Equal(44UL, state.Floor);
        AssertEntries(Range(2, 45, 45, 100), state.Entries);
    }

    [Fact]
    public async Task ResetAsync_ReplacesLogWithSnapshotAndDeletesOlderSegments()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            await wal.AppendAsync(Range(1, 1, 30, 200), new HardState(1, 1, 10));
            await wal.ResetAsync(500, 7, new HardState(7, 0, 500));
            Assert.Single(wal.Segments);
            await wal.AppendAsync(Range(7, 501, 502), null);
        }

        Assert.Single(SegmentPaths(fs));
        await using var reopened = Open(fs, out var state);
        Assert.Equal(500UL, state.Floor);
        Assert.Equal(7UL, state.FloorTerm);
        Assert.Equal(new HardState(7, 0, 500), state.HardState);
        AssertEntries(Range(7, 501, 502), state.Entries);
    }

    [Fact]
    public async Task Open_TornTailAtEveryOffsetOfLastRecord_KeepsEverythingBefore()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            await wal.AppendAsync(Range(1, 1, 4, 20), new HardState(1, 1, 2));
            await wal.AppendAsync([E(1, 5, 40)], null);
        }

        var path = SegmentPaths(fs)[^1];
        var full = ReadRecords(fs, path);
        var last = RecordOffsets(full)[^1];
        Assert.Equal(full.Length, last.Offset + last.Size);
        for (var cut = last.Offset; cut < full.Length; cut++)
        {
            var torn = new SimulatedFileSystem();
            torn.CreateDirectory(Dir);
            torn.WriteAllBytes(path, full[..(int)cut]);
            await using (var wal = Open(torn, out var state))
            {
                AssertEntries(Range(1, 1, 4, 20), state.Entries);
                Assert.Equal(new HardState(1, 1, 2), state.HardState);
                Assert.Equal(cut == last.Offset ? null : path, state.Report.TornFile);

                // The cut tail is gone for good: new appends land after the last good record.
                await wal.AppendAsync([E(2, 5, 3)], null);
            }

            await using var again = Open(torn, out var after);
            AssertEntries([.. Range(1, 1, 4, 20), E(2, 5, 3)], after.Entries);
            Assert.Null(after.Report.TornFile);
        }
    }

    [Fact]
    public async Task AppendAsync_Preallocated_ZeroFilledAheadAndReopenSeesACleanEnd()
    {
        var fs = new SimulatedFileSystem();
        var options = SmallSegments with { SegmentBytes = 1 << 16, PreallocateBytes = 8192 };
        await using (var wal = Open(fs, out _, options))
        {
            await wal.AppendAsync(Range(1, 1, 5, 20), new HardState(1, 1, 2));
        }

        var path = SegmentPaths(fs)[^1];
        var records = ReadRecords(fs, path);
        Assert.True(fs.ReadAllBytes(path).Length >= records.Length + (options.PreallocateBytes / 2), "the segment is zero-filled ahead of its records");

        // A power cut keeps the synced zeros: the reopened log ends at its last record, with nothing torn, and the
        // next appends go right after it.
        var disk = fs.AfterCrash(powerLoss: true);
        await using (var wal = Open(disk, out var state, options))
        {
            AssertEntries(Range(1, 1, 5, 20), state.Entries);
            Assert.Null(state.Report.TornFile);
            await wal.AppendAsync(Range(1, 6, 8, 20), null);
        }

        await using var again = Open(disk.AfterCrash(powerLoss: true), out var after, options);
        AssertEntries(Range(1, 1, 8, 20), after.Entries);
        Assert.Null(after.Report.TornFile);
    }

    [Fact]
    public async Task AppendAsync_PreallocatedSegmentsRoll_EachOlderSegmentCutToItsRecords()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            for (ulong i = 1; i <= 60; i++)
            {
                await wal.AppendAsync([E(1, i, 200)], new HardState(1, 1, i - 1));
            }
        }

        var paths = SegmentPaths(fs);
        Assert.True(paths.Count > 3, $"{paths.Count} segments");
        foreach (var path in paths.SkipLast(1))
        {
            Assert.Equal(ReadRecords(fs, path).Length, fs.ReadAllBytes(path).Length);
        }

        await using var reopened = Open(fs, out var state);
        Assert.Equal(60, state.Entries.Count);
    }

    [Fact]
    public async Task Open_PartialRecordBeforePreallocatedZeros_CutsItAsTorn()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            await wal.AppendAsync(Range(1, 1, 3, 20), null);
            await wal.AppendAsync([E(1, 4, 40)], null);
        }

        var path = SegmentPaths(fs)[^1];
        var bytes = fs.ReadAllBytes(path);
        var last = RecordOffsets(ReadRecords(fs, path))[^1];

        // The second half of the last record never reached the disk: zeros, as the preallocation left them.
        bytes.AsSpan((int)last.Offset + (last.Size / 2), last.Size - (last.Size / 2)).Clear();
        var disk = new SimulatedFileSystem();
        disk.CreateDirectory(Dir);
        disk.WriteAllBytes(path, bytes);
        await using var reopened = Open(disk, out var state);
        AssertEntries(Range(1, 1, 3, 20), state.Entries);
        Assert.Equal(path, state.Report.TornFile);
        Assert.Equal(last.Offset, state.Report.TornOffset);
    }

    [Fact]
    public async Task Open_FlippedBitMidLog_ThrowsNamingFileAndOffset()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            await wal.AppendAsync(Range(1, 1, 6, 20), new HardState(1, 1, 6));
        }

        var path = SegmentPaths(fs)[^1];
        var full = ReadRecords(fs, path);
        var records = RecordOffsets(full);
        var victim = records[4];
        for (var b = 0; b < victim.Size; b++)
        {
            var bad = full.ToArray();
            bad[victim.Offset + b] ^= 0x10;
            var disk = new SimulatedFileSystem();
            disk.CreateDirectory(Dir);
            disk.WriteAllBytes(path, bad);
            var ex = Assert.Throws<WalCorruptionException>(() => Open(disk, out _));
            Assert.Equal(path, ex.File);
            Assert.Equal(victim.Offset, ex.Offset);
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.Contains($"offset {victim.Offset}", ex.Message, StringComparison.Ordinal);

            // Never a silent repair: the damaged file is left exactly as it was.
            Assert.Equal(bad, disk.ReadAllBytes(path));
        }
    }

    [Fact]
    public async Task Open_FlippedBitInLastRecord_CutsItAsTorn()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            await wal.AppendAsync(Range(1, 1, 6, 20), null);
        }

        var path = SegmentPaths(fs)[^1];
        var full = ReadRecords(fs, path);
        var last = RecordOffsets(full)[^1];
        full[last.Offset + last.Size - 3] ^= 0x01;
        var disk = new SimulatedFileSystem();
        disk.CreateDirectory(Dir);
        disk.WriteAllBytes(path, full);
        await using var reopened = Open(disk, out var state);
        AssertEntries(Range(1, 1, 5, 20), state.Entries);
        Assert.Equal(path, state.Report.TornFile);
        Assert.Equal(last.Offset, state.Report.TornOffset);
        Assert.Contains("checksum", state.Report.TornReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_DamageInNonLastSegment_ThrowsEvenAtItsTail()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            for (ulong i = 1; i <= 100; i++)
            {
                await wal.AppendAsync([E(1, i, 100)], null);
            }
        }

        var first = SegmentPaths(fs)[0];
        var bytes = fs.ReadAllBytes(first);
        var last = RecordOffsets(bytes)[^1];

        // A tail cut off a segment that is not the last cannot be a torn write: it was synced before the next began.
        fs.WriteAllBytes(first, bytes[..(int)(last.Offset + 5)]);
        var ex = Assert.Throws<WalCorruptionException>(() => Open(fs, out _));
        Assert.Equal(first, ex.File);
        Assert.Equal(last.Offset, ex.Offset);
    }

    [Fact]
    public async Task Open_MissingMiddleSegment_Throws()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            for (ulong i = 1; i <= 100; i++)
            {
                await wal.AppendAsync([E(1, i, 100)], null);
            }
        }

        var paths = SegmentPaths(fs);
        Assert.True(paths.Count >= 3);
        fs.Delete(paths[1]);
        var ex = Assert.Throws<WalCorruptionException>(() => Open(fs, out _));
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_OldestSegmentsDeletedWithoutCompactionMarker_Throws()
    {
        var fs = new SimulatedFileSystem();
        await using (var wal = Open(fs, out _))
        {
            for (ulong i = 1; i <= 100; i++)
            {
                await wal.AppendAsync([E(1, i, 100)], null);
            }
        }

        fs.Delete(SegmentPaths(fs)[0]);
        var ex = Assert.Throws<WalCorruptionException>(() => Open(fs, out _));
        Assert.Contains("older segments are missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendAsync_FsyncFails_FailsAndRefusesEverythingAfter()
    {
        var fs = new SimulatedFileSystem();
        var wal = Open(fs, out _);
        await wal.AppendAsync(Range(1, 1, 3), new HardState(1, 1, 0));
        fs.FailFlush = _ => true;
        var first = await Assert.ThrowsAsync<WalFailedException>(async () => await wal.AppendAsync(Range(1, 4, 4), new HardState(1, 1, 3)));
        Assert.IsType<IOException>(first.InnerException);
        Assert.NotNull(wal.Failure);

        // The disk works again, but the log does not: after a failed fsync nothing may be acknowledged.
        fs.FailFlush = null;
        await Assert.ThrowsAsync<WalFailedException>(async () => await wal.AppendAsync(Range(1, 5, 5), null));
        await Assert.ThrowsAsync<WalFailedException>(async () => await wal.CompactAsync(1, 1));
        await Assert.ThrowsAsync<WalFailedException>(async () => await wal.ResetAsync(9, 1, default));
        await wal.DisposeAsync();

        // What a restart finds after a power cut is only what was acknowledged.
        await using var reopened = Open(fs.AfterCrash(powerLoss: true), out var state);
        AssertEntries(Range(1, 1, 3), state.Entries);
        Assert.Equal(new HardState(1, 1, 0), state.HardState);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AppendAsync_ConcurrentAppends_ShareFsyncs(bool inline)
    {
        var mode = inline ? WalWriterMode.Inline : WalWriterMode.Background;
        var fs = new SimulatedFileSystem();
        await using var wal = Open(fs, out _, SmallSegments with { SegmentBytes = 1 << 20, MaxPendingOperations = 256 }, mode: mode);
        using var firstFsyncEntered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holding = 1;
        fs.BeforeFlush = _ =>
        {
            if (Interlocked.Exchange(ref holding, 0) == 1)
            {
                firstFsyncEntered.Set();
                release.Wait(TimeSpan.FromSeconds(10));
            }
        };

        var flushesBefore = fs.FlushCount;
        var walBefore = wal.FsyncCount;
        const int n = 100;
        // Inline, the caller's thread runs the fsync (and here blocks in it), so the first append gets its own thread.
        var first = Task.Run(async () => await wal.AppendAsync([E(1, 1)], null));
        Assert.True(firstFsyncEntered.Wait(TimeSpan.FromSeconds(10)));

        // While the first fsync is held, n - 1 more appends arrive: they must share the next fsync.
        var rest = new List<Task>();
        for (ulong i = 2; i <= n; i++)
        {
            rest.Add(wal.AppendAsync([E(1, i)], null).AsTask());
        }

        Assert.All(rest, t => Assert.False(t.IsCompleted));
        release.Set();
        await Task.WhenAll(rest.Append(first));
        var fsyncs = fs.FlushCount - flushesBefore;
        Assert.True(fsyncs < n, $"{n} appends took {fsyncs} fsyncs");
        Assert.True(fsyncs <= 3, $"{n} appends took {fsyncs} fsyncs; group commit should need 2");
        Assert.Equal(fsyncs, wal.FsyncCount - walBefore);
    }

    [Fact]
    public async Task AppendAsync_QueueFull_WaitsForSlot()
    {
        var fs = new SimulatedFileSystem();
        await using var wal = Open(fs, out _, SmallSegments with { MaxPendingOperations = 2 });
        using var release = new ManualResetEventSlim();
        using var entered = new ManualResetEventSlim();
        fs.BeforeFlush = _ =>
        {
            entered.Set();
            release.Wait(TimeSpan.FromSeconds(10));
        };

        var a = wal.AppendAsync([E(1, 1)], null).AsTask();
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)));
        var b = wal.AppendAsync([E(1, 2)], null).AsTask();
        var c = wal.AppendAsync([E(1, 3)], null).AsTask();
        await Task.Delay(100);
        Assert.False(c.IsCompleted);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wal.AppendAsync([E(1, 4)], null, cancellationToken: cts.Token));
        release.Set();
        await Task.WhenAll(a, b, c);
    }

    [Fact]
    public async Task AppendAsync_WithoutSync_DoesNotFsync()
    {
        var fs = new SimulatedFileSystem();
        await using var wal = Open(fs, out _);
        var before = fs.FlushCount;
        await wal.AppendAsync([], new HardState(1, 0, 1), sync: false);
        Assert.Equal(before, fs.FlushCount);
        await wal.AppendAsync([E(1, 1)], null);
        Assert.Equal(before + 1, fs.FlushCount);
    }

    [Fact]
    public void Options_Invalid_ReportsEveryError()
    {
        var errors = new WalOptions { SegmentBytes = 10, MaxRecordBytes = 10, MaxPendingOperations = 0 }.Validate();
        Assert.Equal(4, errors.Count);
        Assert.Empty(new WalOptions().Validate());
        Assert.Throws<ArgumentException>(() => WriteAheadLog.Open(new SimulatedFileSystem(), Dir, new WalOptions { SegmentBytes = 10 }, Clock(), out _));
    }

    [Fact]
    public async Task Pump_ManualMode_WritesOnlyWhenPumpedAsOneGroup()
    {
        var fs = new SimulatedFileSystem();
        await using var wal = WriteAheadLog.Open(fs, Dir, SmallSegments, Clock(), out _, WalWriterMode.Manual);
        var flushes = fs.FlushCount;
        await wal.AcquireSlotAsync(CancellationToken.None);
        var a = wal.EnqueueAppend(Range(1, 1, 3), new HardState(1, 1, 0), sync: true);
        await wal.AcquireSlotAsync(CancellationToken.None);
        var b = wal.EnqueueAppend(Range(1, 4, 5), null, sync: true);
        var c = wal.AppendAsync(Range(1, 6, 6), null).AsTask();
        await Task.Delay(50);
        Assert.False(a.IsCompleted);
        Assert.False(b.IsCompleted);
        Assert.Equal(flushes, fs.FlushCount);

        Assert.False(c.IsCompleted);
        Assert.Equal(3, wal.Pump());

        // The tasks of the Enqueue methods are complete when Pump returns; an async wrapper completes on its continuation.
        Assert.True(a.IsCompletedSuccessfully);
        Assert.True(b.IsCompletedSuccessfully);
        await c;
        Assert.Equal(flushes + 1, fs.FlushCount);
        Assert.Equal(0, wal.Pump());

        await using var reopened = Open(fs.AfterCrash(powerLoss: true), out var state);
        AssertEntries(Range(1, 1, 6), state.Entries);
    }

    [Fact]
    public async Task AppendAsync_InlineModeNoOtherWriter_DurableWhenTheCallReturns()
    {
        var fs = new SimulatedFileSystem();
        await using var wal = Open(fs, out _, mode: WalWriterMode.Inline);
        var flushes = fs.FlushCount;
        var thread = Environment.CurrentManagedThreadId;
        var flushedOn = 0;
        fs.BeforeFlush = _ => flushedOn = Environment.CurrentManagedThreadId;

        // Written and fsynced on this thread before the call returns: the caller continues without a thread hop.
        var append = wal.AppendAsync(Range(1, 1, 3), new HardState(1, 1, 0));
        Assert.True(append.IsCompletedSuccessfully);
        Assert.Equal(thread, flushedOn);
        Assert.Equal(flushes + 1, fs.FlushCount);
        await append;
        await wal.CompactAsync(2, 1);

        await using var reopened = Open(fs.AfterCrash(powerLoss: true), out var state);
        AssertEntries(Range(1, 3, 3), state.Entries);
        Assert.Equal(new HardState(1, 1, 0), state.HardState);
    }

    [Fact]
    public async Task DisposeAsync_InlineModeWhileAnotherThreadWrites_WaitsAndWritesTheRest()
    {
        var fs = new SimulatedFileSystem();
        var wal = Open(fs, out _, mode: WalWriterMode.Inline);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holding = 1;
        fs.BeforeFlush = _ =>
        {
            if (Interlocked.Exchange(ref holding, 0) == 1)
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(10));
            }
        };

        var first = Task.Run(async () => await wal.AppendAsync([E(1, 1)], null));
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)));
        await wal.AcquireSlotAsync(CancellationToken.None);
        var second = wal.EnqueueAppend([E(1, 2)], null, sync: true);
        var disposing = wal.DisposeAsync().AsTask();
        await Task.Delay(50);
        Assert.False(disposing.IsCompleted);
        release.Set();
        await Task.WhenAll(first, second, disposing);

        await using var reopened = Open(fs.AfterCrash(powerLoss: true), out var state);
        AssertEntries(Range(1, 1, 2), state.Entries);
    }

    [Fact]
    public async Task Pump_BackgroundMode_Throws()
    {
        await using var wal = Open(new SimulatedFileSystem(), out _);
        Assert.Throws<InvalidOperationException>(() => wal.Pump());
    }

    [Fact]
    public async Task Open_CraftedTailMakingEveryOffsetLookLikeALargeRecord_RefusesQuickly()
    {
        var fs = new SimulatedFileSystem();
        var options = new WalOptions();
        await using (var wal = WriteAheadLog.Open(fs, Dir, options, Clock(), out _))
        {
            await wal.AppendAsync(Range(1, 1, 3), null);
        }

        // At every fourth offset: type Entry and a body length of about 1 MiB, so that without a bound the scan for
        // valid records would checksum about 1 MiB at each of 2 million offsets (terabytes: a hang).
        var path = SegmentPaths(fs)[^1];
        var good = ReadRecords(fs, path);
        var tail = new byte[8 * 1024 * 1024];
        for (var i = 0; i < tail.Length; i += 4)
        {
            tail[i] = 1;
            tail[i + 2] = 0x10;
        }

        fs.WriteAllBytes(path, [.. good, .. tail]);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var ex = Assert.Throws<WalCorruptionException>(() => WriteAheadLog.Open(fs, Dir, options, Clock(), out _));
        Assert.Equal(good.Length, ex.Offset);
        Assert.Contains("cannot be proven torn", ex.Message, StringComparison.Ordinal);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30), "the scan took too long");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AppendAsync_ConcurrentWritersCrashAtEveryOperation_RecoversPrefixWithEveryAcknowledgedAppend(bool inline)
    {
        var mode = inline ? WalWriterMode.Inline : WalWriterMode.Background;
        const int writers = 16;
        const int perWriter = 6;
        long operations;
        {
            var dry = new SimulatedFileSystem();
            await RunConcurrentAsync(dry, writers, perWriter, mode);
            operations = dry.OperationCount;
        }

        for (var crashAt = 1L; crashAt <= operations; crashAt++)
        {
            var fs = new SimulatedFileSystem { CrashAtOperation = crashAt };
            var acknowledged = await RunConcurrentAsync(fs, writers, perWriter, mode);
            foreach (var disk in new[] { fs.AfterCrash(powerLoss: false), fs.AfterCrash(powerLoss: true, tear: new Random((int)crashAt)) })
            {
                await using var wal = Open(disk, out var state);
                var highest = acknowledged.Count == 0 ? 0UL : acknowledged.Max();
                Assert.True(
                    (ulong)state.Entries.Count >= highest,
                    $"crash at operation {crashAt}: {state.Entries.Count} entries recovered, but index {highest} was acknowledged");
                AssertEntries(Range(1, 1, (ulong)state.Entries.Count, 100), state.Entries);
            }
        }
    }

    // Writers take the next index under a lock and enqueue in that order, as a node's appends would be; returns
    // the indexes whose appends were acknowledged before the disk stopped.
    private static async Task<List<ulong>> RunConcurrentAsync(SimulatedFileSystem fs, int writers, int perWriter, WalWriterMode mode)
    {
        var acknowledged = new List<ulong>();
        WriteAheadLog wal;
        try
        {
            wal = Open(fs, out _, mode: mode);
        }
        catch (SimulatedCrashException)
        {
            return acknowledged;
        }

        var gate = new Lock();
        ulong next = 1;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                try
                {
                    await wal.AcquireSlotAsync(CancellationToken.None);
                    Task durable;
                    ulong index;
                    lock (gate)
                    {
                        index = next++;
                        durable = wal.EnqueueAppend([E(1, index, 100)], null, sync: true);
                    }

                    wal.WriteQueued();
                    await durable;
                    lock (acknowledged)
                    {
                        acknowledged.Add(index);
                    }
                }
                catch (WalFailedException)
                {
                    return;
                }
            }
        })));
        await wal.DisposeAsync();
        return acknowledged;
    }

    [Fact]
    public async Task Open_GarbageSegmentFiles_ThrowsCorruptionOrRecovers()
    {
        const int seed = 777;
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        for (var i = 0; i < 300; i++)
        {
            var fs = new SimulatedFileSystem();
            fs.CreateDirectory(Dir);
            var files = rng.Next(1, 4);
            for (var f = 0; f < files; f++)
            {
                var bytes = new byte[rng.Next(0, 300)];
                rng.NextBytes(bytes);
                if (rng.Next(2) == 0 && bytes.Length >= SegmentHeader.Size)
                {
                    new SegmentHeader((ulong)f + 1, 1, 0).Write(bytes);
                }

                fs.WriteAllBytes(Path.Combine(Dir, SegmentHeader.FormatName((ulong)f + 1, 1)), bytes);
            }

            WriteAheadLog? wal = null;
            try
            {
                wal = Open(fs, out _);
            }
            catch (WalCorruptionException ex)
            {
                Assert.Contains(Dir, ex.Message, StringComparison.Ordinal);
            }

            if (wal is not null)
            {
                await wal.DisposeAsync();
            }
        }
    }
}
