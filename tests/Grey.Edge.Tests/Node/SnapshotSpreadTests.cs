using System.Text;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;

namespace Grey.Edge.Tests.Node;

/// <summary>The members of a site snapshot at different indexes, each within [SnapshotEntries, 1.5 x SnapshotEntries].</summary>
public sealed class SnapshotSpreadTests
{
    [Fact]
    public void SnapshotGap_StaysWithinHalfAnIntervalAboveTheSetting_AndCoversThatRange()
    {
        var options = TestSite.Options(1, [1, 2, 3]) with { SnapshotEntries = 10_000 };
        var gaps = Enumerable.Range(0, 2_000).Select(i => EdgeNode.SnapshotGap(options, (ulong)i * 10_017)).ToList();
        Assert.All(gaps, g => Assert.InRange(g, 10_000UL, 15_000UL));

        // Spread over the range, not a constant or a corner of it.
        Assert.True(gaps.Min() < 10_500 && gaps.Max() > 14_500, $"gaps between {gaps.Min()} and {gaps.Max()}");
        Assert.True(gaps.Distinct().Count() > 1_000, $"{gaps.Distinct().Count()} distinct gaps of 2,000");

        // A pure function of its inputs: a restarted node picks the same point again.
        Assert.Equal(gaps[7], EdgeNode.SnapshotGap(options, 7 * 10_017));
    }

    [Fact]
    public void SnapshotGap_DiffersBetweenTheMembersOfASite_AndBetweenSites()
    {
        ulong Gap(ulong node, string site) => EdgeNode.SnapshotGap(TestSite.Options(node, [1, 2, 3]) with { Site = site }, 0);

        Assert.Equal(3, new[] { Gap(1, "plant-7"), Gap(2, "plant-7"), Gap(3, "plant-7") }.Distinct().Count());
        Assert.True(Enumerable.Range(1, 8).Select(i => Gap(1, "plant-" + i)).Distinct().Count() >= 7);
    }

    [Fact]
    public void SnapshotGap_WithATinySetting_IsThatSettingOrJustAbove()
    {
        Assert.Equal(1UL, EdgeNode.SnapshotGap(TestSite.Options(1, []) with { SnapshotEntries = 1 }, 5));
        Assert.InRange(EdgeNode.SnapshotGap(TestSite.Options(1, []) with { SnapshotEntries = 2 }, 5), 2UL, 3UL);
    }

    [Fact]
    public async Task ThreeNodes_TakeTheirFirstSnapshotAtTheirOwnPoint()
    {
        await using var site = await TestSite.StartAsync(41, 1, 2, 3);
        var leader = await site.WaitForLeaderAsync();

        // Past the largest first point (SnapshotEntries 50: at most 75; the site's first entries add a few), and short of
        // any second one (at least 100), so each node snapshots exactly once.
        ulong last = site.Nodes.Keys.Max(id => EdgeNode.SnapshotGap(TestSite.Options(id, [1, 2, 3]), 0));
        for (ulong i = 0; i <= last; i++)
        {
            var result = await leader.ProposeAsync(new Command { Kind = CommandKind.Put, Key = "k", Value = Encoding.UTF8.GetBytes("v") });
            Assert.Equal(ProposalStatus.Applied, result.Status);
        }

        await site.WaitUntilAsync(() => site.Nodes.Values.All(n => n.Metrics.Snapshots == 1), "every node took one snapshot");
        var taken = site.Nodes.ToDictionary(n => n.Key, n => n.Value.LastSnapshotIndex);
        foreach (var (id, index) in taken)
        {
            Assert.True(index >= EdgeNode.SnapshotGap(TestSite.Options(id, [1, 2, 3]), 0), $"node {id} snapshotted at {index}");
        }

        Assert.True(taken.Values.Distinct().Count() > 1, "all three nodes snapshotted at index " + taken[1]);
    }
}
