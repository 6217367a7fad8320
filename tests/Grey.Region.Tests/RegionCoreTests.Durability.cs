using Grey.Federation.State;
using Grey.Region.Ingest;
using Grey.Region.Storage;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests;

public sealed partial class RegionCoreTests
{
    [Fact]
    public async Task Open_AfterRestart_RebuildsSameStateHashAndAcks()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var fs = new CrashingFileSystem();
        var options = new RegionOptions { CheckpointEveryRecords = 4 };
        byte[] hash;
        IReadOnlyList<SignedAck> acks;
        using (RegionCore region = h.Open(fs, options))
        {
            for (ulong a = 1; a <= 30; a += 3)
            {
                Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(a, a + 2, h.A1.Certificate), "site-a").Status);
                _ = region.Flush();
            }

            Assert.True(region.Metrics.Checkpoints >= 2);
            hash = region.ComputeStateHash();
            Assert.Equal(IngestStatus.Duplicate, region.IngestDelta(h.SiteA.Signed(1, 3, h.A1.Certificate), "site-a").Status);
            acks = region.Flush();
        }

        // Revocations after the fact do not change what was acknowledged: replay uses the logged signer.
        h.Registry.Revoke("a1");
        using RegionCore reopened = h.Open(fs.AfterCrash(), options);

        Assert.Equal(hash, reopened.ComputeStateHash());
        Assert.Equal(IngestStatus.Duplicate, reopened.IngestDelta(h.SiteA.Signed(1, 3, h.A2.Certificate), "site-a").Status);
        SignedAck again = Assert.Single(reopened.Flush());
        Assert.Equal(30UL, again.MergedIndex);
        Assert.Equal(acks.Select(a => (a.Site, a.Epoch, a.MergedIndex)), [(again.Site, again.Epoch, again.MergedIndex)]);
    }

    [Fact]
    public async Task Open_TornTail_CutAndEverythingSyncedKept()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var fs = new CrashingFileSystem();
        using (RegionCore region = h.Open(fs))
        {
            Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(1, 3, h.A1.Certificate), "site-a").Status);
            _ = region.Flush();
        }

        string segment = fs.List().Single(n => n.StartsWith("log-", StringComparison.Ordinal));
        byte[] record = StoreFormat.EncodeDeltaRecord(new LoggedDelta(2, "site-a", h.A1.Certificate.RawData, h.SiteA.Signed(4, 6, h.A1.Certificate)));
        fs.Inject(segment, record.AsSpan(0, record.Length / 2));

        using RegionCore reopened = h.Open(fs);

        Assert.Equal(record.Length / 2, reopened.TornBytesCut);
        Assert.Equal(3UL, reopened.GetSiteStatus("site-a")!.MergedIndex);
        Assert.Equal(IngestStatus.Merged, reopened.IngestDelta(h.SiteA.Signed(4, 6, h.A1.Certificate), "site-a").Status);
        _ = reopened.Flush();
        reopened.Dispose();
        using RegionCore third = h.Open(fs);
        Assert.Equal(6UL, third.GetSiteStatus("site-a")!.MergedIndex);
    }

    [Fact]
    public async Task Open_CorruptionInTheMiddle_RefusedWithFileAndOffset()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var fs = new CrashingFileSystem();
        using (RegionCore region = h.Open(fs))
        {
            Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(1, 3, h.A1.Certificate), "site-a").Status);
            Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(4, 6, h.A1.Certificate), "site-a").Status);
            _ = region.Flush();
        }

        string segment = fs.List().Single(n => n.StartsWith("log-", StringComparison.Ordinal));
        fs.Corrupt(segment, StoreFormat.SegmentHeaderBytes + 40, 0x55);

        StoreCorruptException e = Assert.Throws<StoreCorruptException>(() => h.Open(fs));
        Assert.Equal(segment, e.File);
        Assert.Equal(StoreFormat.SegmentHeaderBytes, e.Offset);
        Assert.Contains("checksum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_CorruptCheckpoint_Refused()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var fs = new CrashingFileSystem();
        using (RegionCore region = h.Open(fs))
        {
            Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(1, 3, h.A1.Certificate), "site-a").Status);
            region.WriteCheckpoint();
        }

        string checkpoint = fs.List().Single(n => n.StartsWith("ckpt-", StringComparison.Ordinal));
        fs.Corrupt(checkpoint, 30, 0x01);

        StoreCorruptException e = Assert.Throws<StoreCorruptException>(() => h.Open(fs));
        Assert.Equal(checkpoint, e.File);
    }

    [Fact]
    public async Task Flush_SyncFails_RegionFaultedAndNoAck()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        var fs = new CrashingFileSystem();
        using RegionCore region = h.Open(fs);
        Assert.Equal(IngestStatus.Merged, region.IngestDelta(h.SiteA.Signed(1, 3, h.A1.Certificate), "site-a").Status);
        fs.CrashAt = fs.Operations + 1;

        Assert.Throws<SimulatedCrash>(() => region.Flush());
        Assert.Throws<InvalidOperationException>(() => region.Flush());
        Assert.Throws<InvalidOperationException>(() => region.IngestDelta(h.SiteA.Signed(4, 6, h.A1.Certificate), "site-a"));
    }

    /// <summary>
    /// Crashes the store at every mutating file operation of a workload (merges, duplicates, a gap, group
    /// commits, checkpoints, a peer join), then reopens the disk as a power cut left it (torn or not) and
    /// checks that every acknowledged index survived and that resending everything converges.
    /// </summary>
    [Fact]
    public async Task Open_CrashAtEveryFileOperation_NeverLosesAnAcknowledgedDelta()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        Workload w = Workload.Create(h);
        var counting = new CrashingFileSystem();
        Assert.Empty(RunCrashCheck(h, w, counting, crashAt: null, tear: null));
        int total = counting.Operations;
        Assert.True(total > 40, $"workload did only {total} operations");
        var rng = new Random(6202);
        Console.WriteLine($"crash test: {total} operations, tear seed 6202");
        for (int k = 1; k <= total; k++)
        {
            List<string> violations = RunCrashCheck(h, w, new CrashingFileSystem(), k, k % 2 == 0 ? rng : null);
            Assert.True(violations.Count == 0, $"crash at operation {k}: {string.Join("; ", violations)}");
        }
    }

    /// <summary>Sabotage: an fsync that lies makes acknowledgements run ahead of durability; the crash check must catch it.</summary>
    [Fact]
    public async Task CrashCheck_FsyncThatLies_CatchesLostAcknowledgedDelta()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        Workload w = Workload.Create(h);
        var counting = new CrashingFileSystem();
        Assert.Empty(RunCrashCheck(h, w, counting, crashAt: null, tear: null));
        int caught = 0;
        for (int k = 1; k <= counting.Operations; k++)
        {
            if (RunCrashCheck(h, w, new CrashingFileSystem { LieAboutSync = true }, k, null).Count > 0)
            {
                caught++;
            }
        }

        Assert.True(caught > 0, "a lying fsync went unnoticed at every crash point");
    }

    private static List<string> RunCrashCheck(RegionHarness h, Workload w, CrashingFileSystem fs, int? crashAt, Random? tear)
    {
        var options = new RegionOptions { CheckpointEveryRecords = 3 };
        var acked = new Dictionary<(string Site, ulong Epoch), ulong>();
        var violations = new List<string>();
        fs.CrashAt = crashAt;
        try
        {
            using RegionCore region = h.Open(fs, options);
            foreach (Step step in w.Steps)
            {
                if (step.Peer is not null)
                {
                    _ = region.IngestRegionDelta(step.Peer, "r1");
                }
                else if (step.Wire is not null)
                {
                    _ = region.IngestDelta(step.Wire, step.Site!);
                }
                else
                {
                    foreach (SignedAck a in region.Flush())
                    {
                        acked[(a.Site, a.Epoch)] = a.MergedIndex;
                    }
                }
            }
        }
        catch (SimulatedCrash)
        {
            // The power went out; what was acknowledged before must survive.
        }

        if (crashAt is null && fs.Crashed)
        {
            violations.Add("crashed without a crash point");
        }

        CrashingFileSystem after = fs.AfterCrash(tear);
        RegionCore recovered;
        try
        {
            recovered = h.Open(after, options);
        }
        catch (Exception e)
        {
            violations.Add($"reopen failed: {e.GetType().Name}: {e.Message}");
            return violations;
        }

        using (recovered)
        {
            foreach (((string site, ulong epoch), ulong index) in acked)
            {
                ulong merged = recovered.State.TryGetProgress(site, epoch, out SiteProgress p) ? p.MergedIndex : 0;
                if (merged < index)
                {
                    violations.Add($"{site} acknowledged up to {index}, recovered only {merged}");
                }
            }

            foreach (Step step in w.Steps.Where(s => s.Wire is not null || s.Peer is not null))
            {
                IngestResult r = step.Peer is not null ? recovered.IngestRegionDelta(step.Peer, "r1") : recovered.IngestDelta(step.Wire, step.Site!);
                if (r.Status == IngestStatus.Rejected)
                {
                    violations.Add($"after recovery a resent delta was rejected: {r.Reason}: {r.Detail}");
                }
            }

            _ = recovered.Flush();
            if (!recovered.ComputeStateHash().AsSpan().SequenceEqual(w.FinalHash))
            {
                violations.Add("resending everything after recovery did not reach the reference state");
            }
        }

        return violations;
    }

    private sealed record Step(byte[]? Wire, string? Site, byte[]? Peer);

    private sealed record Workload(IReadOnlyList<Step> Steps, byte[] FinalHash)
    {
        public static Workload Create(RegionHarness h)
        {
            var siteB = new SiteLog("site-b", 99, 6, region: "r1");
            var peerFs = new CrashingFileSystem();
            using RegionCore r1 = h.Open(peerFs, region: "r1");
            Assert.Equal(IngestStatus.Merged, r1.IngestDelta(siteB.Signed(1, 6, h.B1.Certificate), "site-b").Status);
            _ = r1.Flush();
            byte[] peer = r1.ExportRegionDelta();
            Step F() => new(null, null, null);
            Step D(ulong a, ulong b) => new(h.SiteA.Signed(a, b, h.A1.Certificate), "site-a", null);
            List<Step> steps =
            [
                D(1, 2), F(), D(3, 5), D(3, 5), F(), D(9, 10), D(6, 8), F(), new(null, null, peer), D(11, 12), F(),
                D(13, 13), D(14, 15), D(16, 18), F(), D(1, 4), F(),
            ];
            using RegionCore reference = h.Open(new CrashingFileSystem());
            foreach (Step s in steps.Where(s => s.Wire is not null || s.Peer is not null))
            {
                IngestResult r = s.Peer is not null ? reference.IngestRegionDelta(s.Peer, "r1") : reference.IngestDelta(s.Wire, s.Site!);
                Assert.NotEqual(IngestStatus.Rejected, r.Status);
            }

            return new Workload(steps, reference.ComputeStateHash());
        }
    }
}
