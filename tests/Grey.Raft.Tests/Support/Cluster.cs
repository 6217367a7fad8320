namespace Grey.Raft.Tests.Support;

/// <summary>
/// A handful of nodes with a message queue between them, for unit tests. Everything is synchronous and
/// deterministic: the seed drives the election timeouts, the test decides what is delivered.
/// </summary>
internal sealed class Cluster
{
    private readonly HashSet<(ulong From, ulong To)> cut = [];

    public Cluster(int voters, Func<RaftOptions, RaftOptions>? configure = null, int seed = 1, int learners = 0)
    {
        Seed = seed;
        Configure = configure ?? (o => o);
        var voterIds = Enumerable.Range(1, voters).Select(i => (ulong)i).ToArray();
        var learnerIds = Enumerable.Range(voters + 1, learners).Select(i => (ulong)i).ToArray();
        var cs = new ConfState(voterIds, learnerIds, [], [], false);
        foreach (var id in voterIds.Concat(learnerIds))
        {
            var storage = new MemoryStorage();
            storage.ApplySnapshot(new Snapshot(new SnapshotMetadata(1, 1, cs), ReadOnlyMemory<byte>.Empty));
            storage.SetHardState(new HardState(1, 0, 1));
            AddNode(id, storage);
        }
    }

    public int Seed { get; }

    public Func<RaftOptions, RaftOptions> Configure { get; }

    public SortedDictionary<ulong, TestNode> Nodes { get; } = [];

    /// <summary>Messages sent and not yet delivered.</summary>
    public List<Message> Queue { get; } = [];

    /// <summary>Every message ever delivered, for assertions about traffic.</summary>
    public List<Message> Delivered { get; } = [];

    public TestNode this[ulong id] => Nodes[id];

    public RaftOptions OptionsFor(ulong id, IRaftStorage storage) => Configure(new RaftOptions
    {
        Id = id,
        Storage = storage,
        Random = new Random(Seed * 1000 + (int)id),
    });

    public TestNode AddNode(ulong id, MemoryStorage storage)
    {
        var options = OptionsFor(id, storage);
        var node = new TestNode(id, new RawNode(options), storage, options)
        {
            ConfState = storage.InitialState().ConfState,
        };
        Nodes[id] = node;
        return node;
    }

    /// <summary>Restarts a node from its storage (everything persisted survives; the applied state is rebuilt).</summary>
    public void Restart(ulong id)
    {
        var old = Nodes[id];
        Queue.RemoveAll(m => m.To == id);
        var options = OptionsFor(id, old.Storage) with { Applied = 0 };
        old.Node = new RawNode(options);
        old.Applied.Clear();
    }

    public void Isolate(ulong id)
    {
        foreach (var other in Nodes.Keys)
        {
            if (other != id)
            {
                cut.Add((id, other));
                cut.Add((other, id));
            }
        }
    }

    public void Cut(ulong a, ulong b)
    {
        cut.Add((a, b));
        cut.Add((b, a));
    }

    public void CutOneWay(ulong from, ulong to) => cut.Add((from, to));

    public void Heal() => cut.Clear();

    /// <summary>Processes the Ready of every node once; true if any had one.</summary>
    public bool ProcessReadies()
    {
        var any = false;
        foreach (var n in Nodes.Values)
        {
            if (n.HandleReady(Queue) is not null)
            {
                any = true;
            }
        }

        return any;
    }

    /// <summary>Delivers every queued message (dropping those across a cut); true if any was delivered.</summary>
    public bool DeliverAll(Func<Message, bool>? drop = null)
    {
        if (Queue.Count == 0)
        {
            return false;
        }

        var batch = Queue.ToList();
        Queue.Clear();
        foreach (var m in batch)
        {
            if (cut.Contains((m.From, m.To)) || !Nodes.ContainsKey(m.To) || (drop?.Invoke(m) ?? false))
            {
                continue;
            }

            Delivered.Add(m);
            Nodes[m.To].Node.Step(m);
        }

        return true;
    }

    /// <summary>Runs Ready processing and delivery until nothing moves (bounded, so a livelock fails the test).</summary>
    public void Stabilize(Func<Message, bool>? drop = null, int maxRounds = 1000)
    {
        for (var i = 0; i < maxRounds; i++)
        {
            var processed = ProcessReadies();
            var delivered = DeliverAll(drop);
            if (!processed && !delivered)
            {
                return;
            }
        }

        throw new InvalidOperationException($"cluster did not stabilize within {maxRounds} rounds");
    }

    public void Tick(ulong id, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            Nodes[id].Node.Tick();
        }
    }

    public void TickAll(int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            foreach (var n in Nodes.Values)
            {
                n.Node.Tick();
            }
        }
    }

    /// <summary>Campaigns on <paramref name="id"/> and stabilizes; returns the leader's status.</summary>
    public RaftStatus Elect(ulong id)
    {
        Nodes[id].Node.Campaign();
        Stabilize();
        return Nodes[id].Node.Status();
    }

    public ulong Leader() => Nodes.Values.Select(n => n.Node.Status()).Where(s => s.Role == StateRole.Leader)
        .OrderByDescending(s => s.Term).Select(s => s.Id).FirstOrDefault();

    public static ReadOnlyMemory<byte> Bytes(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    public static string Text(Entry e) => System.Text.Encoding.UTF8.GetString(e.Data.Span);

    /// <summary>The data entries applied by a node, as text.</summary>
    public List<string> AppliedData(ulong id) =>
        Nodes[id].Applied.Where(e => e.Kind == EntryKind.Data).Select(Text).ToList();
}
