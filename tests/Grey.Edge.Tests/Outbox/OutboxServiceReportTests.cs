using Grey.Edge.Tests.Outbox.Support;
using Grey.Federation.Messages;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Outbox;

/// <summary>The site report's committed index: what the region subtracts its merged index from to show lag.</summary>
public class OutboxServiceReportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Report_IdleFullyMergedSite_CommittedEqualsAcknowledged()
    {
        const int seed = 91;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1, 2, 3]);
        var leader = await site.WaitForLeaderAsync();
        await site.WriteAsync(0, 20);
        await site.WaitDrainedAsync();
        var acked = leader.Query(m => m.AckedIndex);
        await TestSiteWithOutbox.WaitUntilAsync(() => leader.Query(m => m.AppliedIndex) > acked, "the recorded ack (an internal entry) applied after the last data entry");

        // A reconnect forces a report at once.
        var before = site.Broker.Reports.Count;
        site.Broker.SetOnline(false);
        site.Broker.SetOnline(true);
        await TestSiteWithOutbox.WaitUntilAsync(() => site.Broker.Reports.Count > before, "a report after the reconnect");
        var report = SiteReport.Decode(site.Broker.Reports.Last());
        Assert.True(report.IsSuccess);
        var applied = leader.Query(m => m.AppliedIndex);
        output.WriteLine($"applied {applied}, acked {acked}; report committed {report.Value!.CommittedIndex}, acknowledged {report.Value.AcknowledgedIndex}");

        // Internal entries (the no-op, recorded acks) never ship: counting them would show lag on a merged site.
        Assert.Equal(acked, report.Value.AcknowledgedIndex);
        Assert.Equal(report.Value.AcknowledgedIndex, report.Value.CommittedIndex);
    }
}
