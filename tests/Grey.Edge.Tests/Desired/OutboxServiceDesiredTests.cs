using Grey.Edge.Desired;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;
using Grey.Edge.Tests.Outbox.Support;
using Grey.Edge.Uplink;
using Grey.Federation.Messages;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Desired;

/// <summary>
/// Desired changes through a real three-node site with outboxes (OutboxService.Inbound.cs): verified, applied through
/// Raft exactly once and in order, under duplicates, gaps, restarts and refusals.
/// </summary>
public class OutboxServiceDesiredTests(ITestOutputHelper output)
{
    private const string Site = TestSiteWithOutbox.SiteId;
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private readonly DesiredTestKit kit = new(TestRegion.RegionId);

    private static Command DesiredCommand(DesiredChange change) => new() { Kind = CommandKind.Desired, Key = change.Key, Value = change.Encode() };

    private async Task<TestSiteWithOutbox> StartSiteAsync(int seed, TestRegion region, ulong snapshotEntries = 1000, bool withVerifier = true)
    {
        output.WriteLine($"seed {seed}");
        var site = await TestSiteWithOutbox.StartAsync(seed, region, [1, 2, 3], snapshotEntries, desired: withVerifier ? kit.Verifier(Site) : null);
        await site.WaitForLeaderAsync();
        return site;
    }

    private static Task WaitAppliedAsync(TestSiteWithOutbox site, ulong sequence) =>
        TestSiteWithOutbox.WaitUntilAsync(
            () => site.Members.Values.All(m => m.Node.Query(s => s.DesiredAppliedSequence(TestRegion.RegionId)) >= sequence),
            $"every member applied desired change {sequence}",
            Within);

    private static Task WaitHandledAsync(TestSiteWithOutbox site, long messages) =>
        TestSiteWithOutbox.WaitUntilAsync(() => Handled(site) >= messages, $"{messages} desired messages handled", Within);

    private static long Handled(TestSiteWithOutbox site) => site.Members.Values.Sum(m =>
    {
        var d = m.Outbox.DesiredMetrics;
        return d.Applied + d.Duplicates + d.Gaps + d.NotLeader + d.RefusedTotal + d.ProposalFailures;
    });

    private static long Sum(TestSiteWithOutbox site, Func<DesiredMetrics, long> figure) => site.Members.Values.Sum(m => figure(m.Outbox.DesiredMetrics));

    /// <summary>The desired sequences in the leader's log, in log order (needs an uncompacted log).</summary>
    private static List<ulong> DesiredSequencesInLog(EdgeNode node) =>
        [.. TestSiteWithOutbox.ReplayDataEntries(node, out _).SelectMany(e => e.Operations).Where(o => o.Desired is not null).Select(o => o.Desired!.Sequence)];

    [Fact]
    public async Task Desired_DeliveredManyTimesToEveryNode_AppliedOnceInOrder()
    {
        await using var region = new TestRegion(301);
        await using var site = await StartSiteAsync(301, region);
        var c1 = kit.Change(Site, 1, "desired/fan/speed", "70");
        var c2 = kit.Change(Site, 2, "desired/mode", "eco");
        var sends = new[] { c1, c1, c1, c2, c2, c1 };
        foreach (var c in sends)
        {
            site.Broker.Broadcast(UplinkInboundKind.Desired, kit.Sign(c));
        }

        await WaitAppliedAsync(site, 2);
        await WaitHandledAsync(site, sends.Length * 3);
        var leader = await site.WaitForLeaderAsync();
        output.WriteLine($"applied {Sum(site, d => d.Applied)}, duplicates {Sum(site, d => d.Duplicates)}, not leader {Sum(site, d => d.NotLeader)}, gaps {Sum(site, d => d.Gaps)}");
        Assert.Equal(2, Sum(site, d => d.Applied));
        Assert.Equal(4, Sum(site, d => d.Duplicates));
        Assert.Equal([1UL, 2UL], DesiredSequencesInLog(leader));
        foreach (var m in site.Members.Values)
        {
            Assert.Equal(1UL, m.Node.Query(s => s.Find("desired/fan/speed")!.Revision));
            Assert.Equal("eco"u8.ToArray(), m.Node.Query(s => s.Find("desired/mode")!.Value));
        }

        var snapshot = site.Members[leader.Id].Outbox.Snapshot();
        Assert.Equal(2UL, snapshot.DesiredAppliedSequence);
        Assert.Equal(2, snapshot.DesiredApplied);
    }

    [Fact]
    public async Task Desired_AheadOfAGap_IgnoredUntilTheMissingOnesArrive()
    {
        await using var region = new TestRegion(302);
        await using var site = await StartSiteAsync(302, region);
        var changes = Enumerable.Range(1, 3).Select(i => kit.Change(Site, (ulong)i, "desired/k" + i, "v" + i)).ToArray();
        site.Broker.Broadcast(UplinkInboundKind.Desired, kit.Sign(changes[2]));
        await TestSiteWithOutbox.WaitUntilAsync(() => Sum(site, d => d.Gaps) == 1, "the gap counted", Within);
        Assert.All(site.Members.Values, m => Assert.Equal(0UL, m.Node.Query(s => s.DesiredAppliedSequence(TestRegion.RegionId))));

        foreach (var c in changes)
        {
            site.Broker.Broadcast(UplinkInboundKind.Desired, kit.Sign(c));
        }

        await WaitAppliedAsync(site, 3);
        var leader = await site.WaitForLeaderAsync();
        Assert.Equal([1UL, 2UL, 3UL], DesiredSequencesInLog(leader));
    }

    [Fact]
    public async Task Desired_SameChangeProposedTwiceThroughRaft_AppliedOnce()
    {
        await using var region = new TestRegion(303);
        await using var site = await StartSiteAsync(303, region);
        var leader = await site.WaitForLeaderAsync();
        var command = DesiredCommand(kit.Change(Site, 1, "desired/fan/speed", "70"));

        // Two proposals of the same change in flight at once, as an old and a new leader may make them.
        var results = await Task.WhenAll(leader.ProposeLocalAsync(command).AsTask(), leader.ProposeLocalAsync(command).AsTask());
        Assert.All(results, r => Assert.Equal(ProposalStatus.Applied, r.Status));
        Assert.Equal(
            [CommandStatus.DesiredOutOfOrder, CommandStatus.Ok],
            results.Select(r => r.Outcome.Status).OrderByDescending(s => s == CommandStatus.DesiredOutOfOrder).ToArray());
        await WaitAppliedAsync(site, 1);
        Assert.Equal([1UL], DesiredSequencesInLog(leader));
        Assert.All(site.Members.Values, m => Assert.Equal(1UL, m.Node.Query(s => s.Find("desired/fan/speed")!.Revision)));
    }

    [Theory]
    [InlineData(1000UL)]
    [InlineData(5UL)]
    public async Task Desired_SiteRestartedFromWalOrSnapshot_RemembersWhatItApplied(ulong snapshotEntries)
    {
        var seed = 304 + (int)snapshotEntries;
        await using var region = new TestRegion(seed);
        await using var site = await StartSiteAsync(seed, region, snapshotEntries);
        output.WriteLine($"snapshot every {snapshotEntries} entries");
        for (ulong i = 1; i <= 3; i++)
        {
            site.Broker.Broadcast(UplinkInboundKind.Desired, kit.Sign(kit.Change(Site, i, "desired/k", "v" + i)));
            await site.WriteAsync((int)i * 10, 8);
        }

        await WaitAppliedAsync(site, 3);
        if (snapshotEntries < 100)
        {
            await site.WriteAsync(100, 20);
            await TestSiteWithOutbox.WaitUntilAsync(() => site.Members.Values.All(m => m.Node.Metrics.Snapshots > 0), "every node snapshotted", Within);
        }

        var signers = site.Members.ToDictionary(m => m.Key, m => m.Value.Signer);
        var disks = new Dictionary<ulong, Grey.Edge.Storage.Files.SimulatedFileSystem>();
        foreach (var id in signers.Keys)
        {
            disks[id] = await site.CrashAsync(id);
        }

        foreach (var id in signers.Keys)
        {
            await site.StartMemberAsync(id, [1, 2, 3], disks[id], signers[id]);
        }

        var leader = await site.WaitForLeaderAsync();
        await WaitAppliedAsync(site, 3);
        var revision = leader.Query(s => s.Find("desired/k")!.Revision);
        var chained = leader.Query(s => s.ChainedEntries);
        Assert.Equal(3UL, revision);

        // Every change comes again (the region resends until it sees them applied): all duplicates.
        for (ulong i = 1; i <= 3; i++)
        {
            site.Broker.Broadcast(UplinkInboundKind.Desired, kit.Sign(kit.Change(Site, i, "desired/k", "v" + i)));
        }

        await WaitHandledAsync(site, 9);
        Assert.Equal(0, Sum(site, d => d.Applied));
        Assert.Equal(3, Sum(site, d => d.Duplicates));
        Assert.Equal(chained, leader.Query(s => s.ChainedEntries));

        site.Broker.Broadcast(UplinkInboundKind.Desired, kit.Sign(kit.Change(Site, 4, "desired/k", "v4")));
        await WaitAppliedAsync(site, 4);
        Assert.All(site.Members.Values, m => Assert.Equal("v4"u8.ToArray(), m.Node.Query(s => s.Find("desired/k")!.Value)));
        Assert.Equal(4UL, leader.Query(s => s.Find("desired/k")!.Revision));
    }

    [Fact]
    public async Task Desired_BadSignatureWrongSiteWrongRegion_RefusedWithReasonNothingApplied()
    {
        await using var region = new TestRegion(305);
        await using var site = await StartSiteAsync(305, region);
        var (_, evil) = TestRegion.CreateCa("evil ca", "region eu-1");
        site.Broker.Broadcast(UplinkInboundKind.Desired, new Grey.Federation.Signing.MessageSigner(evil).SignEnvelope(kit.Change(Site, 1, "desired/a", "x").Encode()));
        site.Broker.Broadcast(UplinkInboundKind.Desired, kit.Sign(kit.Change("other-site", 1, "desired/a", "x")));
        site.Broker.Broadcast(UplinkInboundKind.Desired, kit.Sign(kit.Change(Site, 1, "desired/a", "x", region: "us-2")));
        site.Broker.Broadcast(UplinkInboundKind.Desired, [1, 2, 3]);
        await WaitHandledAsync(site, 12);
        var leader = site.Members.Values.Single(m => m.Node.IsLeader);
        var d = leader.Outbox.DesiredMetrics;
        output.WriteLine($"refused {d.RefusedTotal}: last error {leader.Outbox.LastError}");
        Assert.Equal(2, d.Refused(DesiredRefusal.Signature));
        Assert.Equal(1, d.Refused(DesiredRefusal.WrongSite));
        Assert.Equal(1, d.Refused(DesiredRefusal.WrongRegion));
        Assert.Equal(4, leader.Outbox.Snapshot().DesiredRefused);
        Assert.Equal(0, Sum(site, m => m.Applied));
        Assert.All(site.Members.Values, m => Assert.Null(m.Node.Query(s => s.Find("desired/a"))));
    }

    [Fact]
    public async Task Desired_NoVerifier_RefusedAsNoTrust()
    {
        await using var region = new TestRegion(306);
        await using var site = await StartSiteAsync(306, region, withVerifier: false);
        site.Broker.Broadcast(UplinkInboundKind.Desired, kit.Sign(kit.Change(Site, 1, "desired/a", "x")));
        await WaitHandledAsync(site, 3);
        Assert.Equal(1, Sum(site, m => m.Refused(DesiredRefusal.NoTrust)));
        Assert.All(site.Members.Values, m => Assert.Equal(0UL, m.Node.Query(s => s.DesiredAppliedSequence(TestRegion.RegionId))));
    }

    [Fact]
    public async Task Desired_SettledAtTheBroker_OnlyAfterTheChangeCommitted()
    {
        await using var region = new TestRegion(307);
        await using var site = await StartSiteAsync(307, region);
        var leader = site.Members.Values.Single(m => m.Node.IsLeader);
        var follower = site.Members.Values.First(m => !m.Node.IsLeader);
        var wire = kit.Sign(kit.Change(Site, 1, "desired/a", "x"));
        var settledAt = new List<ulong>();
        var followerSettled = 0;
        leader.Uplink.Push(new UplinkInbound(UplinkInboundKind.Desired, wire, "test", () =>
        {
            lock (settledAt)
            {
                settledAt.Add(leader.Node.Query(s => s.DesiredAppliedSequence(TestRegion.RegionId)));
            }

            return ValueTask.CompletedTask;
        }));
        follower.Uplink.Push(new UplinkInbound(UplinkInboundKind.Desired, wire, "test", () =>
        {
            Interlocked.Increment(ref followerSettled);
            return ValueTask.CompletedTask;
        }));
        await WaitHandledAsync(site, 2);
        await TestSiteWithOutbox.WaitUntilAsync(() => { lock (settledAt) { return settledAt.Count == 1; } }, "the leader settled", Within);

        // When the leader settled, the change was already applied on it (committed through Raft).
        Assert.Equal([1UL], settledAt);
        Assert.Equal(1, followerSettled);
        Assert.Equal(1, follower.Outbox.DesiredMetrics.NotLeader);
    }
}
