using Grey.Edge.Storage;
using Grey.Edge.Storage.Files;
using Grey.Raft;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Grey.Edge.Tests.Storage.StorageTestKit;

namespace Grey.Edge.Tests.Storage;

/// <summary>
/// Stops the disk at every single file operation of a workload that appends (rolling segments), overwrites a
/// conflicting suffix, writes hard states, takes snapshots, compacts (deleting segments) and installs a
/// snapshot from a leader; then restarts from what a process crash, a power cut, and a power cut with a torn
/// write leave behind. The restarted storage must hold exactly the state after the acknowledged operations,
/// or that state plus part or all of the interrupted one, never less and never anything else.
/// </summary>
public sealed class WalRaftStorageCrashTests(ITestOutputHelper output)
{
    private static readonly ConfState Members = ConfState.OfVoters(1, 2, 3);

    private abstract record Op;

    private sealed record AppendOp(Entry[] Entries, HardState? HardState) : Op;

    private sealed record SnapshotOp(ulong Index) : Op;

    private sealed record CompactOp(ulong Index) : Op;

    private sealed record ApplySnapshotOp(Snapshot Snapshot) : Op;

    [Fact]
    public async Task Restart_AfterCrashAtEveryFileOperation_KeepsAcknowledgedStateExactly()
    {
        var ops = Workload();
        var models = ModelStates(ops);

        // A run without a crash counts the file operations (the open included).
        var dry = new SimulatedFileSystem();
        await using (var storage = await OpenAsync(dry, Clock()))
        {
            foreach (var op in ops)
            {
                await RunAsync(storage, op);
            }

            Assert.Equal(models[^1][0], Signature(storage));
        }

        var total = dry.OperationCount;
        output.WriteLine($"workload: {ops.Count} storage operations, {total} file operations");
        Assert.True(total > 60, $"only {total} file operations");
        var checkedStates = 0;
        for (var crashAt = 1L; crashAt <= total; crashAt++)
        {
            var fs = new SimulatedFileSystem { CrashAtOperation = crashAt };
            var acknowledged = 0;
            WalRaftStorage? storage = null;
            try
            {
                storage = await OpenAsync(fs, Clock());
                foreach (var op in ops)
                {
                    await RunAsync(storage, op);
                    acknowledged++;
                }
            }
            catch (Exception ex) when (ex is SimulatedCrashException || ex.InnerException is SimulatedCrashException)
            {
            }
            finally
            {
                if (storage is not null)
                {
                    await storage.DisposeAsync();
                }
            }

            Assert.True(fs.Crashed, $"no crash at operation {crashAt}");
            Assert.True(acknowledged < ops.Count);
            var allowed = models[acknowledged];
            var survivors = new (string Kind, SimulatedFileSystem Disk)[]
            {
                ("process crash", fs.AfterCrash(powerLoss: false)),
                ("power cut", fs.AfterCrash(powerLoss: true)),
                ("power cut, torn write", fs.AfterCrash(powerLoss: true, tear: new Random((int)crashAt))),
            };
            foreach (var (kind, disk) in survivors)
            {
                string recovered;
                ulong last;
                ulong term;
                await using (var reopened = await OpenAsync(disk, Clock()))
                {
                    recovered = Signature(reopened);
                    Assert.True(
                        allowed.Contains(recovered),
                        $"crash at file operation {crashAt} ({kind}) during storage operation {acknowledged} ({ops[acknowledged]}):\nrecovered:\n{recovered}\nallowed:\n{string.Join("\n--\n", allowed)}");

                    // The recovered log accepts appends, and they survive the next restart.
                    last = reopened.LastIndex();
                    term = Math.Max(reopened.HardState.Term, last == 0 ? 1 : reopened.Term(last));
                    await reopened.AppendAsync([new Entry(term, last + 1, EntryKind.Data, new byte[] { 7 })]);
                }

                await using var again = await OpenAsync(disk, Clock());
                Assert.Equal(last + 1, again.LastIndex());
                Assert.Equal(term, again.Term(last + 1));
                checkedStates++;
            }
        }

        output.WriteLine($"checked {checkedStates} recovered states");
    }

    [Fact]
    public async Task Restart_CrashDuringRecoveryItself_StillRecoversAcknowledgedState()
    {
        var ops = Workload();
        var models = ModelStates(ops);
        var dry = new SimulatedFileSystem();
        await using (var storage = await OpenAsync(dry, Clock()))
        {
            foreach (var op in ops)
            {
                await RunAsync(storage, op);
            }
        }

        var recoveriesWithWrites = 0;
        var nestedCrashes = 0;
        for (var crashAt = 1L; crashAt <= dry.OperationCount; crashAt++)
        {
            var (fs, acknowledged) = await RunUntilCrashAsync(ops, crashAt);
            var allowed = models[acknowledged];
            var tear = new Random((int)crashAt);
            foreach (var first in new[] { fs.AfterCrash(powerLoss: false), fs.AfterCrash(powerLoss: true, tear) })
            {
                // How many file operations a clean recovery of this disk performs (cutting a torn tail,
                // removing a torn segment, finishing a snapshot install, creating the first segment).
                var probe = first.AfterCrash(powerLoss: false);
                await using (await OpenAsync(probe, Clock()))
                {
                }

                var recoveryOps = probe.OperationCount;
                if (recoveryOps > 0)
                {
                    recoveriesWithWrites++;
                }

                for (var j = 1L; j <= recoveryOps; j++)
                {
                    var disk = first.AfterCrash(powerLoss: false);
                    disk.CrashAtOperation = j;
                    var crash = await Record.ExceptionAsync(async () => await OpenAsync(disk, Clock()));
                    Assert.True(crash is SimulatedCrashException || crash?.InnerException is SimulatedCrashException, $"unexpected: {crash}");
                    nestedCrashes++;
                    foreach (var second in new[] { disk.AfterCrash(powerLoss: false), disk.AfterCrash(powerLoss: true, tear) })
                    {
                        await using var reopened = await OpenAsync(second, Clock());
                        var recovered = Signature(reopened);
                        Assert.True(
                            allowed.Contains(recovered),
                            $"crash at file operation {crashAt}, then at recovery operation {j}:\nrecovered:\n{recovered}\nallowed:\n{string.Join("\n--\n", allowed)}");
                    }
                }
            }
        }

        output.WriteLine($"{recoveriesWithWrites} recoveries wrote to disk; {nestedCrashes} crashes injected inside them");
        Assert.True(nestedCrashes > 0, "no recovery wrote anything: the test exercised nothing");
    }

    private static async Task<(SimulatedFileSystem Disk, int Acknowledged)> RunUntilCrashAsync(List<Op> ops, long crashAt)
    {
        var fs = new SimulatedFileSystem { CrashAtOperation = crashAt };
        var acknowledged = 0;
        WalRaftStorage? storage = null;
        try
        {
            storage = await OpenAsync(fs, Clock());
            foreach (var op in ops)
            {
                await RunAsync(storage, op);
                acknowledged++;
            }
        }
        catch (Exception ex) when (ex is SimulatedCrashException || ex.InnerException is SimulatedCrashException)
        {
        }
        finally
        {
            if (storage is not null)
            {
                await storage.DisposeAsync();
            }
        }

        return (fs, acknowledged);
    }

    private static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static List<Op> Workload()
    {
        static Entry[] Range(ulong term, ulong from, ulong to, int size) =>
            Enumerable.Range((int)from, (int)(to - from + 1))
                .Select(i => new Entry(term, (ulong)i, EntryKind.Data, Enumerable.Repeat((byte)(i + (int)term), size).ToArray()))
                .ToArray();

        return
        [
            new AppendOp(Range(1, 1, 10, 20), new HardState(1, 1, 0)),
            new AppendOp(Range(1, 11, 25, 300), null),
            new AppendOp([], new HardState(2, 2, 20)),
            new AppendOp(Range(2, 18, 30, 250), new HardState(2, 2, 20)),
            new SnapshotOp(20),
            new CompactOp(20),
            new AppendOp(Range(2, 31, 45, 300), new HardState(2, 2, 35)),
            new AppendOp(Range(3, 40, 42, 10), new HardState(3, 3, 40)),
            new ApplySnapshotOp(new Snapshot(new SnapshotMetadata(60, 4, Members), new byte[] { 6, 0 })),
            new AppendOp(Range(4, 61, 70, 200), new HardState(4, 1, 65)),
            new SnapshotOp(65),
            new CompactOp(65),
        ];
    }

    private static async Task RunAsync(WalRaftStorage storage, Op op)
    {
        switch (op)
        {
            case AppendOp a:
                await storage.AppendAsync(a.Entries, a.HardState);
                break;
            case SnapshotOp s:
                await storage.CreateSnapshotAsync(s.Index, Members, new byte[] { (byte)s.Index });
                break;
            case CompactOp c:
                await storage.CompactAsync(c.Index);
                break;
            case ApplySnapshotOp a:
                await storage.ApplySnapshotAsync(a.Snapshot);
                break;
        }
    }

    private static void Apply(MemoryStorage model, Op op)
    {
        switch (op)
        {
            case AppendOp a:
                model.Append(a.Entries);
                if (a.HardState is { } hs)
                {
                    model.SetHardState(hs);
                }

                break;
            case SnapshotOp s:
                model.CreateSnapshot(s.Index, Members, new byte[] { (byte)s.Index });
                break;
            case CompactOp c:
                model.Compact(c.Index);
                break;
            case ApplySnapshotOp a:
                model.ApplySnapshot(a.Snapshot);
                break;
        }
    }

    // For k acknowledged operations: the signatures a restart may show. The first is the state after the k
    // operations; then the states where operation k + 1 happened in part (a prefix of its records) or whole.
    private static List<List<string>> ModelStates(List<Op> ops)
    {
        var result = new List<List<string>>();
        for (var k = 0; k <= ops.Count; k++)
        {
            var allowed = new List<string> { Signature(Build(ops, k, null)) };
            if (k < ops.Count)
            {
                if (ops[k] is AppendOp a)
                {
                    for (var r = 1; r <= a.Entries.Length; r++)
                    {
                        allowed.Add(Signature(Build(ops, k, new AppendOp(a.Entries[..r], null))));
                    }
                }

                allowed.Add(Signature(Build(ops, k + 1, null)));
            }

            result.Add(allowed);
        }

        return result;
    }

    private static MemoryStorage Build(List<Op> ops, int count, Op? partial)
    {
        var model = new MemoryStorage();
        foreach (var op in ops.Take(count))
        {
            Apply(model, op);
        }

        if (partial is not null)
        {
            Apply(model, partial);
        }

        return model;
    }
}
