using System.Text;
using Grey.Edge.Outbox;
using Grey.Edge.StateMachine;
using Grey.Edge.Storage.Files;
using Grey.Federation.Clock;
using Grey.Raft;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Outbox;

public class OutboxJournalTests(ITestOutputHelper output)
{
    private const string Site = "site-j";
    private const string Dir = "/data/outbox";
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Drives a state machine and a journal the way the node does (apply under the hook).</summary>
    private sealed class Driver
    {
        private ulong index;

        public Driver(OutboxJournal journal, SiteStateMachine? machine = null)
        {
            Journal = journal;
            Machine = machine ?? new SiteStateMachine(Site);
            index = Machine.AppliedIndex;
            journal.Restored(Machine);
            if (Machine.Epoch is null)
            {
                Apply(EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.Epoch, Epoch: 42)));
            }
        }

        public OutboxJournal Journal { get; set; }

        public SiteStateMachine Machine { get; }

        public void Put(int i, int valueBytes = 8)
        {
            var command = new Command
            {
                Kind = CommandKind.Put,
                Key = "k/" + i,
                Value = Encoding.UTF8.GetBytes(("v" + i).PadRight(valueBytes, 'x')),
                Origin = "n1",
                Stamp = new HlcTimestamp(Start.ToUnixTimeMilliseconds() + (long)index, 0),
            };
            Apply(EntryKind.Data, CommandCodec.Encode(command));
        }

        public void Noop() => Apply(EntryKind.NoOp, []);

        public void Ack(ulong through) =>
            Apply(EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.RegionAck, Epoch: 42, Region: "eu-1", AckIndex: through, ChainHash: ChainAt(through))));

        public byte[] ChainAt(ulong i) => Journal.TryChainAt(i, out var c) ? c : throw new InvalidOperationException("unknown chain at " + i);

        public void Apply(EntryKind kind, byte[] data)
        {
            var chained = Machine.ChainedEntries;
            var before = Machine.ChainHash;
            var acked = Machine.AckedIndex;
            Machine.Apply(new Entry(1, ++index, kind, data));
            if (Machine.ChainedEntries != chained)
            {
                Journal.Chained(Machine.LastChained!, before.Span, Machine.ChainHash.Span);
            }

            if (Machine.AckedIndex != acked)
            {
                Journal.Acknowledged(Machine.AckedIndex);
            }
        }
    }

    private static OutboxJournal Open(SimulatedFileSystem disk, OutboxJournalOptions? options = null, TimeProvider? time = null) =>
        OutboxJournal.Open(disk, Dir, options ?? new OutboxJournalOptions { SegmentBytes = 64 * 1024 }, time ?? new FakeTimeProvider(Start));

    [Fact]
    public void Reopen_AfterSync_HoldsEveryEntryAndTheChain()
    {
        var disk = new SimulatedFileSystem();
        var d = new Driver(Open(disk));
        for (var i = 0; i < 500; i++)
        {
            d.Put(i, 200);
            if (i % 7 == 0)
            {
                d.Noop();
            }
        }

        d.Journal.Sync();
        var tail = d.Journal.TailIndex;
        d.Journal.Dispose();
        Assert.True(disk.ListFiles(Dir).Count > 1, "several segments");
        using var reopened = Open(disk.AfterCrash(powerLoss: true));
        Assert.Equal(500, reopened.Stats().Entries);
        Assert.Equal(tail, reopened.TailIndex);
        Assert.True(reopened.TryChainAt(tail, out var chain));
        Assert.Equal(d.Machine.ChainHash.ToArray(), chain);
        Assert.True(reopened.TryRead(2, 10_000, long.MaxValue, out var all, out _));
        Assert.Equal(500, all.Count);
    }

    [Fact]
    public void Append_ReplayedIndexes_AreIgnored()
    {
        var disk = new SimulatedFileSystem();
        using var journal = Open(disk);
        var d = new Driver(journal);
        d.Put(1);
        d.Put(2);
        var record = journal.Stats();
        Assert.True(journal.TryRead(1, 10, long.MaxValue, out var batch, out var before));
        journal.Chained(batch[0].Entry, before, batch[0].ChainAfter);
        Assert.Equal(record, journal.Stats());
    }

    [Fact]
    public void Open_TornTail_IsCutAndTheRestKept()
    {
        var seed = 7;
        output.WriteLine($"seed {seed}");
        var disk = new SimulatedFileSystem();
        var d = new Driver(Open(disk));
        for (var i = 0; i < 20; i++)
        {
            d.Put(i);
        }

        d.Journal.Sync();
        for (var i = 20; i < 40; i++)
        {
            d.Put(i);
        }

        var torn = disk.AfterCrash(powerLoss: true, new Random(seed));
        var segment = Dir + "/" + torn.ListFiles(Dir)[^1];
        var length = torn.ReadAllBytes(segment).Length;
        var full = disk.ReadAllBytes(segment).Length;
        output.WriteLine($"durable+torn {length} of {full} bytes");
        using var reopened = Open(torn);
        var held = reopened.Stats().Entries;
        Assert.InRange(held, 20, 40);
        Assert.Equal(length - torn.ReadAllBytes(segment).Length, reopened.TornBytesCut);

        // The node replays the log after the journal's tail: the journal continues the chain.
        var again = new Driver(reopened);
        Assert.True(reopened.TryChainAt(reopened.TailIndex, out _));
        _ = again;
    }

    [Fact]
    public void Open_CorruptRecordBeforeTheEnd_IsRefusedNamingFileAndOffset()
    {
        var disk = new SimulatedFileSystem();
        var d = new Driver(Open(disk));
        for (var i = 0; i < 10; i++)
        {
            d.Put(i);
        }

        d.Journal.Sync();
        d.Journal.Dispose();
        var segment = Dir + "/" + disk.ListFiles(Dir)[0];
        var bytes = disk.ReadAllBytes(segment);
        bytes[JournalFormat.HeaderBytes + 20] ^= 0x40;
        disk.WriteAllBytes(segment, bytes);
        var e = Assert.Throws<OutboxJournalCorruptException>(() => Open(disk));
        Assert.Equal(segment, e.File);
        Assert.Equal(JournalFormat.HeaderBytes, e.Offset);
        Assert.Contains(segment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_RandomDamage_EitherRecoversAConsistentPrefixOrRefuses()
    {
        const int seed = 1234;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var source = new SimulatedFileSystem();
        var d = new Driver(Open(source));
        for (var i = 0; i < 30; i++)
        {
            d.Put(i, random.Next(1, 300));
        }

        d.Journal.Sync();
        d.Journal.Dispose();
        var segment = Dir + "/" + source.ListFiles(Dir)[0];
        var original = source.ReadAllBytes(segment);
        int refused = 0, recovered = 0;
        for (var round = 0; round < 300; round++)
        {
            var bytes = (byte[])original.Clone();
            switch (random.Next(3))
            {
                case 0:
                    bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                    break;
                case 1:
                    Array.Resize(ref bytes, random.Next(bytes.Length));
                    break;
                default:
                    random.NextBytes(bytes.AsSpan(random.Next(bytes.Length)));
                    break;
            }

            var disk = new SimulatedFileSystem();
            disk.CreateDirectory(Dir);
            disk.WriteAllBytes(segment, bytes);
            try
            {
                using var j = Open(disk);
                var stats = j.Stats();
                Assert.InRange(stats.Entries, 0, 30);
                if (stats.Entries > 0)
                {
                    Assert.True(j.TryRead(2, 100, long.MaxValue, out var batch, out var before));
                    var chain = before;
                    foreach (var r in batch)
                    {
                        Assert.Equal(chain, r.ChainBefore);
                        Assert.Equal(Grey.Federation.Chain.ChainHash.Next(chain, r.Entry), r.ChainAfter);
                        chain = r.ChainAfter;
                    }
                }

                recovered++;
            }
            catch (OutboxJournalCorruptException)
            {
                refused++;
            }
        }

        output.WriteLine($"recovered {recovered}, refused {refused}");
        Assert.True(refused > 0 && recovered > 0);
    }

    [Fact]
    public void Acknowledged_TrimsEntriesAndWholeSegments()
    {
        var disk = new SimulatedFileSystem();
        using var journal = Open(disk);
        var d = new Driver(journal);
        for (var i = 0; i < 600; i++)
        {
            d.Put(i, 200);
        }

        var segments = disk.ListFiles(Dir).Count;
        var through = journal.TailIndex - 10;
        d.Ack(through);
        Assert.Equal(through, d.Machine.AckedIndex);
        Assert.Equal(10, journal.Stats().Entries);
        Assert.True(disk.ListFiles(Dir).Count < segments, $"{disk.ListFiles(Dir).Count} segments of {segments} left");
        Assert.True(journal.TryRead(through + 1, 100, long.MaxValue, out var rest, out var before));
        Assert.Equal(10, rest.Count);
        Assert.Equal(d.ChainAt(through), before);
        Assert.False(journal.TryRead(through - 5, 100, long.MaxValue, out _, out _));
    }

    [Fact]
    public void Append_PastTheByteBudget_FoldsCountsAndSurvivesReopen()
    {
        var disk = new SimulatedFileSystem();
        var options = new OutboxJournalOptions { SegmentBytes = 64 * 1024, BudgetBytes = OutboxJournal.MaxRecordBytes };
        var d = new Driver(Open(disk, options));
        var i = 0;
        while (d.Journal.Stats().Folds == 0)
        {
            d.Put(i++, 4000);
        }

        var stats = d.Journal.Stats();
        output.WriteLine($"folded after {i} entries: {stats}");
        Assert.Equal(0, stats.Entries);
        Assert.Equal(i, stats.FoldedEntries);
        Assert.Equal(d.Machine.AppliedIndex, stats.FoldThrough);
        d.Put(i++);
        d.Journal.Sync();
        d.Journal.Dispose();
        using var reopened = Open(disk, options);
        Assert.Equal(stats.FoldThrough, reopened.FoldThrough);
        Assert.Equal(1, reopened.Stats().Entries);
    }

    [Fact]
    public void Append_PastTheAgeBudget_Folds()
    {
        var time = new FakeTimeProvider(Start);
        var disk = new SimulatedFileSystem();
        using var journal = Open(disk, new OutboxJournalOptions { BudgetAge = TimeSpan.FromHours(1) }, time);
        var d = new Driver(journal);
        d.Put(1);
        journal.EnforceBudget();
        Assert.Equal(0UL, journal.FoldThrough);
        time.Advance(TimeSpan.FromHours(2));
        journal.EnforceBudget();
        Assert.Equal(1, journal.Stats().Folds);
        Assert.Equal(1, journal.Stats().FoldedEntries);
    }

    [Fact]
    public void Restored_SnapshotAheadOfTheJournal_IsAGapThatFolds()
    {
        var disk = new SimulatedFileSystem();
        var d = new Driver(Open(disk));
        for (var i = 0; i < 10; i++)
        {
            d.Put(i);
        }

        d.Journal.Sync();

        // Entries applied and snapshotted without reaching the journal's disk (the durability rule broken).
        for (var i = 10; i < 20; i++)
        {
            d.Put(i);
        }

        Assert.True(SiteStateMachine.TryRestore(Site, d.Machine.Snapshot(), out var restored, out var error), error);
        var after = disk.AfterCrash(powerLoss: true);
        using var reopened = Open(after);
        Assert.Equal(10, reopened.Stats().Entries);
        reopened.Restored(restored);
        var stats = reopened.Stats();
        Assert.Equal(1, stats.Gaps);
        Assert.Equal(restored.AppliedIndex, stats.FoldThrough);
    }
}
