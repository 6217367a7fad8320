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

    /// <summary>When true (the default) delivery reports each snapshot's outcome to its sender, as a transport would.</summary>
    public bool ReportSnapshots { get; set; } = true;

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

    /// <summary>
    /// Delivers every queued message, dropping those across a cut. <paramref name="transform"/> may rewrite a
    /// message or return null to drop it. True if anything was queued.
    /// </summary>
    public bool DeliverAll(Func<Message, Message?>? transform = null)
    {
        if (Queue.Count == 0)
        {
            return false;
        }

        var batch = Queue.ToList();
        Queue.Clear();
        foreach (var original in batch)
        {
            var m = cut.Contains((original.From, original.To)) || !Nodes.ContainsKey(original.To)
                ? null
                : transform is null ? original : transform(original);
            if (m is null)
            {
                if (original.Type == MessageType.Snapshot && ReportSnapshots)
                {
                    Nodes[original.From].Node.ReportSnapshot(original.To, failed: true);
                }

                continue;
            }

            Delivered.Add(m);
            Nodes[m.To].Node.Step(m);
            if (m.Type == MessageType.Snapshot && ReportSnapshots)
            {
                // As a transport does: the snapshot reached the peer.
                Nodes[m.From].Node.ReportSnapshot(m.To, failed: false);
            }
        }

        return true;
    }

    /// <summary>Runs Ready processing and delivery until nothing moves (bounded, so a livelock fails the test).</summary>
    public void Stabilize(Func<Message, Message?>? transform = null, int maxRounds = 1000, bool throwOnLimit = true)
    {
        for (var i = 0; i < maxRounds; i++)
        {
            var processed = ProcessReadies();
            var delivered = DeliverAll(transform);
            if (!processed && !delivered)
            {
                return;
            }
        }

        if (throwOnLimit)
        {
            throw new InvalidOperationException($"cluster did not stabilize within {maxRounds} rounds");
        }
    }

    /// <summary>
    /// Leader completeness: every entry some node applied (so it was committed) is in the log of
    /// <paramref name="leader"/> at the same index with the same term. Returns the first violation, or null.
    /// </summary>
    public string? FindMissingCommittedEntry(ulong leader)
    {
        var storage = Nodes[leader].Storage;
        foreach (var n in Nodes.Values)
        {
            foreach (var e in n.Applied)
            {
                if (e.Index < storage.FirstIndex() || e.Index > storage.LastIndex())
                {
                    if (e.Index > storage.LastIndex())
                    {
                        return $"index {e.Index}: applied by node {n.Id} but missing from leader {leader}";
                    }

                    continue;
                }

                if (storage.Term(e.Index) != e.Term)
                {
                    return $"index {e.Index}: node {n.Id} applied term {e.Term}, leader {leader} holds term {storage.Term(e.Index)}";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// State-machine safety: no two nodes applied different entries at the same index. Returns the first
    /// violation found, or null.
    /// </summary>
    public string? FindAppliedDivergence()
    {
        var byIndex = new Dictionary<ulong, (ulong Node, Entry Entry)>();
        foreach (var n in Nodes.Values)
        {
            foreach (var e in n.Applied)
            {
                if (byIndex.TryGetValue(e.Index, out var seen))
                {
                    if (seen.Entry.Term != e.Term || !seen.Entry.Data.Span.SequenceEqual(e.Data.Span) || seen.Entry.Kind != e.Kind)
                    {
                        return $"index {e.Index}: node {seen.Node} applied {seen.Entry.Term}/{seen.Entry.Kind}, node {n.Id} applied {e.Term}/{e.Kind}";
                    }
                }
                else
                {
                    byIndex[e.Index] = (n.Id, e);
                }
            }
        }

        return null;
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
