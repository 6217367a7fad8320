using Grey.Edge.Outbox;
using Grey.Edge.Tests.Outbox.Support;
using Grey.Federation.Messages;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Outbox;

/// <summary>Crashes: the leader while shipping; every node while offline (journal and snapshot rule); the rule sabotaged.</summary>
public class OutboxServiceCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ship_LeaderPowerCutWhileShipping_NothingLostNothingDoubled()
    {
        const int seed = 81;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1, 2, 3], snapshotEntries: 100_000);
        var leader = await site.WaitForLeaderAsync();
        var writing = site.WriteAsync(0, 120);
        await TestSiteWithOutbox.WaitUntilAsync(() => site.Broker.Published.Count >= 2, "the leader is shipping");
        var crashed = leader.Id;
        var signer = site.Members[crashed].Signer;
        var disk = await site.CrashAsync(crashed, new Random(seed));
        await writing;
        await site.WriteAsync(200, 30);
        await site.StartMemberAsync(crashed, [1, 2, 3], disk, signer);
        await site.WaitDrainedAsync();
        leader = await site.WaitForLeaderAsync();
        output.WriteLine($"crashed leader {crashed}; now {leader.Id}; published {site.Broker.Published.Count}");
        site.AssertRegionEqualsLog(leader);
        Assert.Equal((long)leader.Query(m => m.ChainedEntries), region.Read(c => c.Metrics.OperationsMerged));
    }

    [Fact]
    public async Task Ship_AllNodesPowerCutWhileOffline_RestartDrainsEverythingOnce()
    {
        const int seed = 82;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1, 2, 3], snapshotEntries: 40);
        await site.WaitForLeaderAsync();
        await site.WriteAsync(0, 30);
        await site.WaitDrainedAsync();
        site.Broker.SetOnline(false);
        await site.WriteAsync(100, 150);
        var offline = site.Members.Values.First(m => m.Node.IsLeader).Outbox.Snapshot();
        output.WriteLine($"offline backlog {offline.BacklogEntries} entries, {offline.BacklogBytes} bytes, oldest {offline.OldestUnackedAge.TotalMilliseconds:0} ms");
        Assert.InRange(offline.BacklogEntries, 150, 160);
        Assert.True(offline.OldestUnackedAge > TimeSpan.Zero);
        Assert.True(site.Members.Values.All(m => m.Node.Metrics.Snapshots > 0), "every node snapshotted (and compacted) while offline");

        var signers = site.Members.ToDictionary(m => m.Key, m => m.Value.Signer);
        var disks = new Dictionary<ulong, Grey.Edge.Storage.Files.SimulatedFileSystem>();
        foreach (var id in signers.Keys)
        {
            disks[id] = await site.CrashAsync(id, new Random(seed + (int)id));
        }

        foreach (var id in signers.Keys)
        {
            await site.StartMemberAsync(id, [1, 2, 3], disks[id], signers[id]);
        }

        var leader = await site.WaitForLeaderAsync();
        var restarted = site.Members[leader.Id].Outbox.Snapshot();
        Assert.InRange(restarted.BacklogEntries, 150, 160);
        site.Broker.SetOnline(true);
        await site.WaitDrainedAsync();
        AssertExactlyOnce(site, region, leader);
        foreach (var m in site.Members.Values)
        {
            var s = m.Outbox.Snapshot();
            Assert.Equal(0, s.JournalGaps);
            Assert.Equal(0, s.CheckpointsShipped);
            Assert.Equal(0, s.BacklogEntries);
        }

        var report = SiteReport.Decode(site.Broker.Reports.Last());
        Assert.True(report.IsSuccess);
        output.WriteLine($"last report: committed {report.Value.CommittedIndex}, acked {report.Value.AcknowledgedIndex}, backlog {report.Value.BacklogEntries}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Restart_JournalNotSyncedBeforeSnapshot_TheGapCheckDetectsTheLoss(bool syncBeforeSnapshot)
    {
        const int seed = 83;
        output.WriteLine($"seed {seed}, sync before snapshot {syncBeforeSnapshot}");
        await using var region = new TestRegion(seed);
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1], snapshotEntries: 25, journal: new OutboxJournalOptions { SyncBeforeSnapshot = syncBeforeSnapshot });
        await site.WaitForLeaderAsync();
        site.Broker.SetOnline(false);
        await site.WriteAsync(0, 100);
        output.WriteLine($"failure: {site.Members[1].Node.Failure}; snapshots {site.Members[1].Node.Metrics.Snapshots}; write failures {site.Failures.Count}");
        await TestSiteWithOutbox.WaitUntilAsync(() => site.Members[1].Node.Metrics.Snapshots >= 2, "snapshots taken");
        var signer = site.Members[1].Signer;
        var disk = await site.CrashAsync(1);
        var member = await site.StartMemberAsync(1, [1], disk, signer);
        var leader = await site.WaitForLeaderAsync();
        var stats = member.Journal.Stats();
        output.WriteLine($"after restart: {stats}");
        site.Broker.SetOnline(true);
        await site.WaitDrainedAsync();
        var merged = region.Read(c => c.Metrics.OperationsMerged);
        var chained = (long)leader.Query(m => m.ChainedEntries);
        output.WriteLine($"operations merged one by one {merged} of {chained}; checkpoints {member.Outbox.Snapshot().CheckpointsShipped}");
        if (syncBeforeSnapshot)
        {
            Assert.Equal(0, stats.Gaps);
            Assert.Equal(chained, merged);
        }
        else
        {
            // Entries through the snapshot were in neither the journal's disk nor the replayed log: the journal's
            // chain check finds the gap, and only a checkpoint can carry the state (the entries themselves are lost).
            Assert.True(stats.Gaps >= 1, "the gap check must detect the loss");
            Assert.True(merged < chained);
            Assert.True(member.Outbox.Snapshot().CheckpointsShipped >= 1);
        }

        AssertRegionHoldsSiteState(region, leader);
    }

    /// <summary>Exactly once without the log (it was compacted): same chain, the same number of operations, and the site's state contained in the region's.</summary>
    internal static void AssertExactlyOnce(TestSiteWithOutbox site, TestRegion region, Grey.Edge.Node.EdgeNode leader)
    {
        Assert.Equal((long)leader.Query(m => m.ChainedEntries), region.Read(c => c.Metrics.OperationsMerged));
        AssertRegionHoldsSiteState(region, leader);
        _ = site;
    }

    internal static void AssertRegionHoldsSiteState(TestRegion region, Grey.Edge.Node.EdgeNode leader)
    {
        var (epoch, chain, state) = leader.Query(m => (m.Epoch!.Value, m.ChainHash.ToArray(), m.SiteState!.Clone()));
        var (progress, hash, joined) = region.Read(c =>
        {
            c.State.TryGetProgress(TestSiteWithOutbox.SiteId, epoch, out var p);
            var copy = c.State.Clone();
            copy.Join(state);
            return (p, c.ComputeStateHash(), copy.ComputeHash());
        });
        Assert.Equal(chain, progress!.ChainHash.ToArray());
        Assert.Equal(Convert.ToHexString(hash), Convert.ToHexString(joined));
    }
}
