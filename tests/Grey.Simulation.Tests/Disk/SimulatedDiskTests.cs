using Grey.Simulation.Core;
using Grey.Simulation.Disk;

namespace Grey.Simulation.Tests.Disk;

public sealed class SimulatedDiskTests
{
    [Fact]
    public void Crash_WithoutTear_LosesEveryUnsyncedWrite()
    {
        var disk = new SimulatedDisk();
        disk.Write([1, 2, 3]);
        disk.Sync();
        disk.Write([4, 5]);
        disk.Write([6]);

        int lost = disk.Crash(new Random(1), tornProbability: 0);

        Assert.Equal(3, lost);
        Assert.Equal(new byte[] { 1, 2, 3 }, disk.Read().ToArray());
    }

    [Fact]
    public void Crash_WithTear_KeepsOnlyPartOfTheFirstUnsyncedWrite()
    {
        for (int seed = 0; seed < 200; seed++)
        {
            var disk = new SimulatedDisk();
            disk.Write([1, 2, 3]);
            disk.Sync();
            disk.Write([10, 11, 12, 13, 14, 15, 16, 17]);
            disk.Write([20, 21]);

            disk.Crash(SeedDerivation.CreateRandom((ulong)seed, "disk"), tornProbability: 1);

            var after = disk.Read().ToArray();
            Assert.True(after.Length is > 3 and <= 11, $"seed={seed}: length {after.Length}");
            Assert.Equal(new byte[] { 1, 2, 3 }, after[..3]);
            bool strictPrefix = after.Length < 11 && after[3..].SequenceEqual(new byte[] { 10, 11, 12, 13, 14, 15, 16, 17 }.Take(after.Length - 3));
            bool garbled = after.Length == 11 && !after[3..].SequenceEqual(new byte[] { 10, 11, 12, 13, 14, 15, 16, 17 });
            Assert.True(strictPrefix || garbled, $"seed={seed}: tail is neither a strict prefix nor a garbled copy of the first unsynced write");
        }
    }

    [Fact]
    public void Crash_AfterSync_LosesNothing()
    {
        var disk = new SimulatedDisk();
        disk.Write([1, 2, 3]);
        disk.Sync();
        Assert.Equal(0, disk.Crash(new Random(3), tornProbability: 1));
        Assert.Equal(3, disk.Length);
        Assert.Equal(0, disk.TornWrites);
    }
}
