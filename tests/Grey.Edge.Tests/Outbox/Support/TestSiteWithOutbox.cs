using System.Text;
using Grey.Edge.Node;
using Grey.Edge.Outbox;
using Grey.Edge.StateMachine;
using Grey.Edge.Storage;
using Grey.Edge.Storage.Files;
using Grey.Edge.Tests.Node;
using Grey.Federation.Chain;
using Grey.Federation.Merge;
using Grey.Federation.Signing;
using Grey.Federation.State;
using Grey.Raft;

namespace Grey.Edge.Tests.Outbox.Support;

/// <summary>
/// A site of nodes in process, each with its outbox journal (the node's apply hook and retention), its outbox
/// service, its own uplink to a shared <see cref="TestBroker"/> and its own attested delta-signing key at a real
/// <see cref="TestRegion"/>. Simulated disks (power cuts keep only what was fsynced), the in-memory network.
/// </summary>
internal sealed class TestSiteWithOutbox : IAsyncDisposable, IProposalForwarder
{
    public const string SiteId = "site-t";

    private readonly int seed;

    private TestSiteWithOutbox(int seed, TestRegion region)
    {
        this.seed = seed;
        Region = region;
        Broker = new TestBroker(region);
    }

    public TestRegion Region { get; }

    public TestBroker Broker { get; }

    public InMemoryNetwork Network { get; } = new();

    public Dictionary<ulong, Member> Members { get; } = [];

    /// <summary>Writes that did not apply, with why.</summary>
    public List<string> Failures { get; } = [];

    public ulong SnapshotEntries { get; init; } = 50;

    public OutboxJournalOptions JournalOptions { get; set; } = new();

    public Func<OutboxOptions, OutboxOptions> TuneOutbox { get; set; } = o => o;

    /// <summary>The desired-change verifier every member's outbox gets (null: desired changes are refused).</summary>
    public Grey.Edge.Desired.IDesiredVerifier? DesiredVerifier { get; set; }

    public static OutboxOptions DefaultOutboxOptions() => new()
    {
        Region = TestRegion.RegionId,
        Linger = TimeSpan.FromMilliseconds(5),
        AckTimeout = TimeSpan.FromSeconds(2),
        PollInterval = TimeSpan.FromMilliseconds(10),
        ReportInterval = TimeSpan.FromMilliseconds(200),
    };

    public static async Task<TestSiteWithOutbox> StartAsync(int seed, TestRegion region, ulong[] voters, ulong snapshotEntries = 50, OutboxJournalOptions? journal = null, Grey.Edge.Desired.IDesiredVerifier? desired = null, Func<OutboxOptions, OutboxOptions>? tuneOutbox = null)
    {
        var site = new TestSiteWithOutbox(seed, region) { SnapshotEntries = snapshotEntries, JournalOptions = journal ?? new OutboxJournalOptions(), DesiredVerifier = desired };
        if (tuneOutbox is not null)
        {
            // Before the members start: TuneOutbox set afterwards only reaches members started later.
            site.TuneOutbox = tuneOutbox;
        }

        foreach (var id in voters)
        {
            var signer = await region.AdmitAsync(EdgeNode.NodeName(id), SiteId);
            await site.StartMemberAsync(id, voters, new SimulatedFileSystem(), new TestSigner { Current = signer });
        }

        return site;
    }

    public async Task<Member> StartMemberAsync(ulong id, IReadOnlyList<ulong> voters, SimulatedFileSystem disk, TestSigner signer)
    {
        var journal = OutboxJournal.Open(disk, "/data/outbox", JournalOptions, TimeProvider.System);
        var storage = await WalRaftStorage.OpenAsync(disk, "/data", new EdgeStorageOptions(), journal.Retention, TimeProvider.System);
        var options = TestSite.Options(id, voters) with { SnapshotEntries = SnapshotEntries, Site = SiteId };
        var node = await EdgeNode.StartAsync(options, storage, f => Network.Connect(id, f), this, TimeProvider.System, new Random(seed + (int)id), journal);
        var uplink = Broker.Connect(id);
        var outbox = await OutboxService.StartAsync(node, journal, uplink, signer, Region.AckVerifier(), Region.RevocationVerifier(), TuneOutbox(DefaultOutboxOptions()), TimeProvider.System, DesiredVerifier);
        var member = new Member(id, disk, journal, node, uplink, outbox, signer);
        Members[id] = member;
        return member;
    }

    /// <summary>Power cut of one node: its disk keeps what was fsynced (and, with <paramref name="tear"/>, part of the unsynced tail).</summary>
    public async Task<SimulatedFileSystem> CrashAsync(ulong id, Random? tear = null)
    {
        var m = Members[id];
        var survived = m.Disk.AfterCrash(powerLoss: true, tear);
        Network.Isolate(id);
        await m.StopAsync();
        Members.Remove(id);
        Network.Isolate(id, false);
        return survived;
    }

    public async Task<EdgeNode> WaitForLeaderAsync(TimeSpan? within = null)
    {
        EdgeNode? leader = null;
        await WaitUntilAsync(() => (leader = Members.Values.Select(m => m.Node).FirstOrDefault(n => n.IsLeader && n.CanCommit)) is not null, "a leader can commit", within ?? TimeSpan.FromSeconds(15));
        return leader!;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting until " + what);
            }

            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Writes <paramref name="count"/> commands through a live member: puts of distinct keys (retried until applied:
    /// a repeated put is harmless) and, every third, a counter add (not retried when its outcome is unknown).
    /// Returns the commands known applied; the exactly-once checks compare the region with the committed log itself.
    /// </summary>
    public async Task<int> WriteAsync(int from, int count)
    {
        var applied = 0;
        for (var i = from; i < from + count; i++)
        {
            var counter = i % 3 == 2;
            var command = counter
                ? new Command { Kind = CommandKind.CounterAdd, Key = "count", Amount = 1 }
                : new Command { Kind = CommandKind.Put, Key = "k/" + i, Value = Encoding.UTF8.GetBytes("v" + i) };
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var member = Members.Values.First(m => m.Node.Failure is null);
                var result = await member.Node.ProposeAsync(command);
                if (result.Status == ProposalStatus.Applied)
                {
                    applied++;
                    break;
                }

                Failures.Add($"{i}: {result.Status} {result.Error}");
                if (counter && result.Status == ProposalStatus.Unknown)
                {
                    break;
                }
            }
        }

        return applied;
    }

    /// <summary>Waits until the region's progress for the site reaches the chain hash every member holds, and the ack is replicated.</summary>
    public async Task WaitDrainedAsync(TimeSpan? within = null)
    {
        await WaitUntilAsync(
            () =>
            {
                var leader = Members.Values.Select(m => m.Node).FirstOrDefault(n => n.IsLeader);
                if (leader is null)
                {
                    return false;
                }

                var (epoch, chain, chained) = leader.Query(m => (m.Epoch, m.ChainHash.ToArray(), m.ChainedEntries));
                if (epoch is null || chained == 0)
                {
                    return false;
                }

                var progress = Region.Read(c => c.State.TryGetProgress(SiteId, epoch.Value, out var p) ? p : null);
                return progress is not null && progress.ChainHash.SequenceEqual(chain)
                    && Members.Values.All(m => m.Node.Query(s => s.AckedIndex) >= progress.MergedIndex);
            },
            "the region merged everything and every member applied its ack",
            within ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Exactly once: the region's state equals the site's log applied once (replayed from <paramref name="logNode"/>'s
    /// uncompacted storage), by state hash, and the operations merged equal the site's chained entries.
    /// </summary>
    public void AssertRegionEqualsLog(EdgeNode logNode)
    {
        var entries = ReplayDataEntries(logNode, out var epoch);
        var progress = Region.Read(c => c.State.TryGetProgress(SiteId, epoch, out var p) ? p : null)!;
        var reference = new RegionState();
        SiteLogApplier.ApplyLog(reference, SiteId, epoch, [.. entries.Where(e => e.Index <= progress.MergedIndex)], progress.MergedIndex, DesiredChangeLedger.Empty);
        Assert.Equal(Convert.ToHexString(reference.ComputeHash()), Convert.ToHexString(Region.Read(c => c.ComputeStateHash())));
    }

    /// <summary>The site's data entries, re-derived by applying the node's whole log to a fresh state machine (needs an uncompacted log).</summary>
    public static List<DataEntry> ReplayDataEntries(EdgeNode node, out ulong epoch)
    {
        var storage = node.Storage;
        Assert.Equal(1UL, storage.FirstIndex());
        var machine = new SiteStateMachine(SiteId);
        var entries = new List<DataEntry>();
        var applied = node.Query(m => m.AppliedIndex);
        foreach (var entry in storage.Entries(1, applied + 1, ulong.MaxValue))
        {
            var chained = machine.ChainedEntries;
            machine.Apply(entry);
            if (machine.ChainedEntries != chained)
            {
                entries.Add(machine.LastChained!);
            }
        }

        epoch = machine.Epoch!.Value;
        return entries;
    }

    public async ValueTask<ProposalResult> ForwardAsync(ulong leaderId, string leaderApi, Command command, CancellationToken cancellationToken) =>
        Members.TryGetValue(leaderId, out var leader)
            ? await leader.Node.ProposeLocalAsync(command, cancellationToken)
            : ProposalResult.Fail(ProposalStatus.NoLeader, "gone");

    public async ValueTask DisposeAsync()
    {
        foreach (var m in Members.Values)
        {
            await m.StopAsync();
        }

        await Broker.DisposeAsync();
    }

    /// <summary>A node with its journal, outbox and uplink.</summary>
    internal sealed record Member(ulong Id, SimulatedFileSystem Disk, OutboxJournal Journal, EdgeNode Node, TestUplink Uplink, OutboxService Outbox, TestSigner Signer)
    {
        public async Task StopAsync()
        {
            await Outbox.DisposeAsync();
            await Node.DisposeAsync();
            await Uplink.DisposeAsync();
            Journal.Dispose();
        }
    }
}

/// <summary>A settable signer provider.</summary>
internal sealed class TestSigner : IDeltaSignerProvider
{
    public MessageSigner? Current { get; set; }
}
