using Grey.Edge.Outbox;
using Grey.Edge.Tests.Outbox.Support;
using Grey.Region.Ingest;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Outbox;

public class OutboxServiceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ship_WritesAcrossLeaderTransfers_ReachRegionExactlyOnce()
    {
        const int seed = 61;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1, 2, 3], snapshotEntries: 100_000);
        var leader = await site.WaitForLeaderAsync();
        var written = await site.WriteAsync(0, 60);
        for (var round = 0; round < 2; round++)
        {
            var target = site.Members.Keys.First(id => id != leader.Id);
            Assert.Equal(Grey.Edge.Node.ProposalStatus.Applied, (await leader.TransferLeadershipAsync(target)).Status);
            leader = await site.WaitForLeaderAsync();
            written += await site.WriteAsync(100 * (round + 1), 60);
        }

        await site.WaitDrainedAsync();
        output.WriteLine($"{written} writes applied; not applied at first: {string.Join("; ", site.Failures)}");
        Assert.True(written >= 170, string.Join("\n", site.Failures));
        site.AssertRegionEqualsLog(leader);
        var chained = leader.Query(m => m.ChainedEntries);
        output.WriteLine(region.Read(c => $"region: merged {c.Metrics.Merged}, operations {c.Metrics.OperationsMerged}, duplicates {c.Metrics.Duplicates}, gaps {c.Metrics.Gaps}, released {c.Metrics.Released}, dropped {c.Metrics.GapsDropped}, checkpoints merged {c.Metrics.Checkpoints}"));
        foreach (var m in site.Members.Values)
        {
            var s = m.Outbox.Snapshot();
            output.WriteLine($"node {m.Id}: shipped {s.DeltasShipped}, checkpoints {s.CheckpointsShipped}, folded {s.FoldedEntries}, journal gaps {s.JournalGaps}, resends {s.Resends}, last error {m.Outbox.LastError}");
        }

        Assert.Equal((long)chained, region.Read(c => c.Metrics.OperationsMerged));
        Assert.Equal(0, site.Broker.IngestedCount(IngestStatus.Rejected));
        foreach (var m in site.Members.Values)
        {
            var snap = m.Outbox.Snapshot();
            output.WriteLine($"node {m.Id}: shipped {snap.DeltasShipped}, acks {snap.AcksAccepted}/{snap.AcksRefused} refused, backlog {snap.BacklogEntries}");
            Assert.Equal(0, snap.AcksRefused);
            Assert.Equal(0, snap.CheckpointsShipped);
            Assert.Equal(0, snap.FoldedEntries);
            Assert.Equal(0, snap.BacklogEntries);
        }
    }
}
