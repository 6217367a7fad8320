using Grey.Edge.Node;
using Grey.Edge.StateMachine;
using Grey.Edge.Storage;
using Grey.Edge.Storage.Files;

namespace Grey.Edge.Tests.Node;

/// <summary>Several nodes of one site in process: simulated disks, the in-memory network, in-process forwarding.</summary>
internal sealed class TestSite : IAsyncDisposable, IProposalForwarder
{
    public const string SiteId = "site-t";

    private readonly int seed;

    public TestSite(int seed) => this.seed = seed;

    public InMemoryNetwork Network { get; } = new();

    public Dictionary<ulong, EdgeNode> Nodes { get; } = [];

    public Dictionary<ulong, SimulatedFileSystem> Disks { get; } = [];

    public static EdgeNodeOptions Options(ulong id, IReadOnlyList<ulong> voters, bool join = false) => new()
    {
        NodeId = id,
        Site = SiteId,
        InitialVoters = voters,
        Join = join,
        ApiAddress = "mem://" + id,
        TickInterval = TimeSpan.FromMilliseconds(10),
        ElectionTicks = 10,
        SnapshotEntries = 50,
        RequestTimeout = TimeSpan.FromSeconds(2),
    };

    public static async Task<TestSite> StartAsync(int seed, params ulong[] voters)
    {
        var site = new TestSite(seed);
        foreach (var id in voters)
        {
            await site.StartNodeAsync(id, voters, new SimulatedFileSystem()).ConfigureAwait(false);
        }

        return site;
    }

    public async Task<EdgeNode> StartNodeAsync(ulong id, IReadOnlyList<ulong> voters, SimulatedFileSystem disk, bool join = false)
    {
        Disks[id] = disk;
        var storage = await WalRaftStorage.OpenAsync(disk, "/data", new EdgeStorageOptions(), NoRetention.Instance, TimeProvider.System).ConfigureAwait(false);
        var node = await EdgeNode.StartAsync(Options(id, voters, join), storage, f => Network.Connect(id, f), this, TimeProvider.System, new Random(seed + (int)id)).ConfigureAwait(false);
        Nodes[id] = node;
        return node;
    }

    /// <summary>
    /// Power cut of one node (its disk keeps only what was fsynced), or with <paramref name="powerLoss"/> false a
    /// killed process (the disk keeps everything written); the node object is thrown away.
    /// </summary>
    public async Task<SimulatedFileSystem> CrashAsync(ulong id, bool powerLoss = true)
    {
        var survived = Disks[id].AfterCrash(powerLoss);
        Network.Isolate(id);
        await Nodes[id].DisposeAsync().ConfigureAwait(false);
        Nodes.Remove(id);
        Network.Isolate(id, false);
        return survived;
    }

    public async Task<EdgeNode> WaitForLeaderAsync(TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            var leader = Nodes.Values.FirstOrDefault(n => n.IsLeader && n.CanCommit);
            if (leader is not null)
            {
                return leader;
            }

            await Task.Delay(10).ConfigureAwait(false);
        }

        throw new TimeoutException("no leader that can commit within the deadline");
    }

    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting until " + what);
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    public async ValueTask<ProposalResult> ForwardAsync(ulong leaderId, string leaderApi, Command command, CancellationToken cancellationToken)
    {
        Assert.Equal("mem://" + leaderId, leaderApi);
        return Nodes.TryGetValue(leaderId, out var leader)
            ? await leader.ProposeLocalAsync(command, cancellationToken).ConfigureAwait(false)
            : ProposalResult.Fail(ProposalStatus.NoLeader, "gone");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Values)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
