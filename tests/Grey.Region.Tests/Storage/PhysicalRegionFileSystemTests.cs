using System.Diagnostics;
using Grey.Region.Ingest;
using Grey.Region.Storage;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests.Storage;

public sealed class PhysicalRegionFileSystemTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "grey-region-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Region_OnRealDisk_ReopensWithSameStateAndPrintsThroughput()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var log = new SiteLog("site-a", 5, 400);
        byte[][] wires = [.. Enumerable.Range(0, 200).Select(i => log.Signed((ulong)(2 * i) + 1, (ulong)(2 * i) + 2, h.A1.Certificate))];
        byte[] hash;
        var sw = Stopwatch.StartNew();
        using (RegionCore region = h.Open(new PhysicalRegionFileSystem(_dir), new RegionOptions { CheckpointEveryRecords = 64 }))
        {
            for (int i = 0; i < wires.Length; i++)
            {
                Assert.Equal(IngestStatus.Merged, region.IngestDelta(wires[i], "site-a").Status);
                if (i % 10 == 9)
                {
                    Assert.Single(region.Flush());
                }
            }

            hash = region.ComputeStateHash();
            sw.Stop();
            Console.WriteLine($"real disk: {wires.Length} deltas (2 entries each) in {sw.ElapsedMilliseconds} ms, group commit of 10, {region.Fsyncs} fsyncs, {region.Metrics.Checkpoints} checkpoints");
        }

        // The same work on the in-memory disk separates the CPU cost (decode, two signature checks, merge,
        // signing acks) from the cost of the real fsyncs.
        var memory = Stopwatch.StartNew();
        using (RegionCore inMemory = h.Open(new CrashingFileSystem(), new RegionOptions { CheckpointEveryRecords = 64 }))
        {
            for (int i = 0; i < wires.Length; i++)
            {
                Assert.Equal(IngestStatus.Merged, inMemory.IngestDelta(wires[i], "site-a").Status);
                if (i % 10 == 9)
                {
                    Assert.Single(inMemory.Flush());
                }
            }

            Assert.Equal(hash, inMemory.ComputeStateHash());
        }

        Console.WriteLine($"in-memory disk: the same {wires.Length} deltas in {memory.ElapsedMilliseconds} ms");
        Assert.Contains(Directory.EnumerateFiles(_dir), f => Path.GetFileName(f).StartsWith("ckpt-", StringComparison.Ordinal));
        using RegionCore reopened = h.Open(new PhysicalRegionFileSystem(_dir));
        Assert.Equal(hash, reopened.ComputeStateHash());
        Assert.Equal(400UL, reopened.GetSiteStatus("site-a")!.MergedIndex);
    }

    [Fact]
    public void OpenAppend_PathOutsideDirectory_Throws()
    {
        var fs = new PhysicalRegionFileSystem(_dir);
        Assert.Throws<ArgumentException>(() => fs.OpenAppend("../escape"));
        Assert.Throws<ArgumentException>(() => fs.Delete(".."));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
