using Grey.Simulation.Core;
using Grey.Simulation.Disk;

namespace Grey.Simulation.Tests.Disk;

public sealed class SimulatedWalTests
{
    [Fact]
    public void Recover_CleanLog_ReturnsEveryRecord()
    {
        var wal = new SimulatedWal(new SimulatedDisk());
        wal.Append([1]);
        wal.Append([2, 2]);
        wal.Sync();

        var recovery = wal.Recover();
        Assert.Equal(2, recovery.Records.Count);
        Assert.Equal(0, recovery.CutBytes);
        Assert.Null(recovery.CutReason);
    }

    [Fact]
    public void Recover_AfterCrashes_ReturnsExactlyTheSyncedRecordsAndCutsTornTails()
    {
        int torn = 0;
        for (ulong seed = 1; seed <= 500; seed++)
        {
            var random = SeedDerivation.CreateRandom(seed, "wal-test");
            var disk = new SimulatedDisk();
            var wal = new SimulatedWal(disk);
            var synced = new List<byte[]>();
            var written = new List<byte[]>();
            for (int i = 0; i < 20; i++)
            {
                var payload = new byte[random.Next(1, 40)];
                random.NextBytes(payload);
                wal.Append(payload);
                written.Add(payload);
                if (random.Next(3) == 0)
                {
                    wal.Sync();
                    synced = [.. written];
                }
            }

            disk.Crash(random, tornProbability: 0.7);
            var recovery = wal.Recover();

            Assert.True(synced.Count == recovery.Records.Count, $"seed={seed}: {recovery.Records.Count} records recovered, {synced.Count} were synced");
            for (int i = 0; i < synced.Count; i++)
            {
                Assert.Equal(synced[i], recovery.Records[i]);
            }

            if (recovery.CutBytes > 0)
            {
                torn++;
                Assert.NotNull(recovery.CutReason);
            }

            // After the cut the log is clean: appending and recovering again works.
            wal.Append([42]);
            wal.Sync();
            Assert.Equal(synced.Count + 1, wal.Recover().Records.Count);
        }

        Assert.True(torn > 100, $"only {torn} of 500 crashes left a torn tail; the disk model is not tearing writes");
    }

    [Fact]
    public void Recover_GarbledByteInLastRecord_CutsIt()
    {
        var disk = new SimulatedDisk();
        var wal = new SimulatedWal(disk);
        wal.Append([1, 2, 3]);
        wal.Append([4, 5, 6]);
        wal.Sync();
        var bytes = disk.Read().ToArray();
        bytes[^1] ^= 0xFF;
        var garbled = new SimulatedDisk();
        garbled.Write(bytes);
        garbled.Sync();

        var recovery = new SimulatedWal(garbled).Recover();
        Assert.Single(recovery.Records);
        Assert.Contains("checksum", recovery.CutReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Recover_RandomBytes_NeverThrows()
    {
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            var disk = new SimulatedDisk();
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            disk.Write(bytes);
            var recovery = new SimulatedWal(disk).Recover();
            Assert.Equal(bytes.Length, recovery.Records.Sum(r => r.Length + SimulatedWal.HeaderBytes) + recovery.CutBytes);
        }
    }

    [Fact]
    public void Append_EmptyRecord_Throws()
    {
        var wal = new SimulatedWal(new SimulatedDisk());
        Assert.Throws<ArgumentOutOfRangeException>(() => wal.Append([]));
    }
}
