using Grey.Raft;
using Grey.Simulation.Disk;
using Grey.Simulation.Raft;

namespace Grey.Simulation.Tests.Raft;

public sealed class RaftWalCodecTests
{
    private static Entry E(ulong term, ulong index, byte payload = 0) =>
        new(term, index, EntryKind.Data, payload == 0 ? ReadOnlyMemory<byte>.Empty : new byte[] { payload });

    [Fact]
    public void Replay_EntriesHardStateAndConflictingSuffix_RebuildsTheLog()
    {
        var records = new List<byte[]>
        {
            RaftWalCodec.EncodeEntries([E(1, 1, 1), E(1, 2, 2), E(1, 3, 3)]),
            RaftWalCodec.EncodeHardState(new HardState(1, 1, 2)),
            RaftWalCodec.EncodeEntries([E(2, 3, 9)]),
            RaftWalCodec.EncodeHardState(new HardState(2, 2, 3)),
        };

        var storage = RaftWalCodec.Replay(records);

        Assert.Equal(3UL, storage.LastIndex());
        Assert.Equal(2UL, storage.Term(3));
        Assert.Equal(new HardState(2, 2, 3), storage.InitialState().HardState);
    }

    [Fact]
    public void Replay_SnapshotTakenThenMoreEntries_KeepsEntriesAfterTheSnapshot()
    {
        var snapshot = new Snapshot(new SnapshotMetadata(2, 1, ConfState.OfVoters(1, 2, 3)), new byte[] { 7, 7 });
        var records = new List<byte[]>
        {
            RaftWalCodec.EncodeEntries([E(1, 1), E(1, 2), E(1, 3)]),
            RaftWalCodec.EncodeSnapshot(snapshot, taken: true, compactIndex: 1),
            RaftWalCodec.EncodeEntries([E(1, 4)]),
        };

        var storage = RaftWalCodec.Replay(records);

        Assert.Equal(2UL, storage.Snapshot().Metadata.Index);
        Assert.Equal(new byte[] { 7, 7 }, storage.Snapshot().Data.ToArray());
        Assert.Equal(2UL, storage.FirstIndex());
        Assert.Equal(4UL, storage.LastIndex());
        Assert.True(storage.Snapshot().Metadata.ConfState.IsEquivalent(ConfState.OfVoters(1, 2, 3)));
    }

    [Fact]
    public void Replay_SnapshotReceived_ReplacesTheLog()
    {
        var snapshot = new Snapshot(new SnapshotMetadata(10, 3, new ConfState([1, 2], [4], [], [], false)), new byte[] { 1 });
        var storage = RaftWalCodec.Replay([
            RaftWalCodec.EncodeEntries([E(1, 1), E(1, 2)]),
            RaftWalCodec.EncodeSnapshot(snapshot, taken: false, 0),
        ]);

        Assert.Equal(11UL, storage.FirstIndex());
        Assert.Equal(10UL, storage.LastIndex());
        Assert.Equal(3UL, storage.Term(10));
        Assert.Equal([4UL], storage.Snapshot().Metadata.ConfState.Learners);
    }

    [Fact]
    public void Wal_CrashLosesUnsyncedEntries_ReplayedStorageHasOnlySyncedOnes()
    {
        var disk = new SimulatedDisk();
        var wal = new SimulatedWal(disk);
        wal.Append(RaftWalCodec.EncodeEntries([E(1, 1), E(1, 2)]));
        wal.Append(RaftWalCodec.EncodeHardState(new HardState(1, 1, 0)));
        wal.Sync();
        wal.Append(RaftWalCodec.EncodeEntries([E(1, 3), E(1, 4)]));
        wal.Append(RaftWalCodec.EncodeHardState(new HardState(1, 1, 4)));

        disk.Crash(new Random(2), tornProbability: 1);
        var storage = RaftWalCodec.Replay(wal.Recover());

        Assert.Equal(2UL, storage.LastIndex());
        Assert.Equal(new HardState(1, 1, 0), storage.InitialState().HardState);
    }

    [Fact]
    public void TryDecode_RandomAndMutatedBytes_NeverThrows()
    {
        var random = new Random(3);
        byte[][] valid =
        [
            RaftWalCodec.EncodeEntries([E(1, 1, 5), E(2, 2, 6)]),
            RaftWalCodec.EncodeHardState(new HardState(3, 2, 1)),
            RaftWalCodec.EncodeSnapshot(new Snapshot(new SnapshotMetadata(4, 2, ConfState.OfVoters(1, 2)), new byte[] { 1, 2 }), true, 3),
        ];
        int accepted = 0;
        for (int i = 0; i < 30_000; i++)
        {
            byte[] input;
            if (i % 3 == 0)
            {
                input = new byte[random.Next(0, 80)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])valid[random.Next(valid.Length)].Clone();
                input[random.Next(input.Length)] = (byte)random.Next(256);
                input = input[..random.Next(1, input.Length + 1)];
            }

            if (RaftWalCodec.TryDecode(input, out _, out var error))
            {
                accepted++;
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(error));
            }
        }

        Assert.True(accepted < 30_000);
    }
}
