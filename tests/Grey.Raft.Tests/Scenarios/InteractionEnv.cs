using System.Globalization;
using System.Text;
using Grey.Raft.Tests.Support;

namespace Grey.Raft.Tests.Scenarios;

/// <summary>
/// The interpreter behind the scenario files, after etcd-io/raft's rafttest.InteractionEnv: it keeps a set
/// of nodes and the messages in flight, runs one command, and returns the trace it produced.
/// </summary>
internal sealed class InteractionEnv
{
    private const int MaxStabilizeRounds = 500;
    private readonly SortedDictionary<ulong, TestNode> nodes = [];
    private readonly List<Message> queue = [];
    private readonly Dictionary<ulong, int> partitionOf = [];
    private StringBuilder output = new();

    public string Run(ScenarioCommand cmd)
    {
        output = new StringBuilder();
        switch (cmd.Name)
        {
            case "add-nodes": AddNodes(cmd); break;
            case "campaign": nodes[cmd.Id(0)].Node.Campaign(); break;
            case "tick": Tick(cmd.Id(0), cmd.Positional.Count > 1 ? int.Parse(cmd.Positional[1], CultureInfo.InvariantCulture) : 1); break;
            case "tick-election": Tick(cmd.Id(0), nodes[cmd.Id(0)].Options.ElectionTick); break;
            case "tick-heartbeat": Tick(cmd.Id(0), nodes[cmd.Id(0)].Options.HeartbeatTick); break;
            case "propose": Line($"{nodes[cmd.Id(0)].Node.Propose(Encoding.UTF8.GetBytes(cmd.Positional[1]))}"); break;
            case "propose-conf-change": ProposeConfChange(cmd); break;
            case "process-ready": ForNodes(cmd, id => ProcessReady(id)); break;
            case "deliver-msgs": DeliverMsgs(cmd); break;
            case "stabilize": Stabilize(cmd); break;
            case "raft-state": RaftState(); break;
            case "status": Status(cmd.Id(0)); break;
            case "raft-log": RaftLog(cmd.Id(0)); break;
            case "applied": Line(string.Join(" ", nodes[cmd.Id(0)].Applied.Where(e => e.Kind == EntryKind.Data).Select(e => Describe.Data(e.Data)))); break;
            case "transfer-leader": nodes[ScenarioCommand.Ids(cmd.Options["from"])[0]].Node.TransferLeader(ScenarioCommand.Ids(cmd.Options["to"])[0]); break;
            case "read-index": nodes[cmd.Id(0)].Node.ReadIndex(Encoding.UTF8.GetBytes(cmd.Positional[1])); break;
            case "compact": Compact(cmd.Id(0), ulong.Parse(cmd.Positional[1], CultureInfo.InvariantCulture)); break;
            case "partition": Partition(cmd); break;
            case "heal": partitionOf.Clear(); break;
            case "report-unreachable": nodes[cmd.Id(0)].Node.ReportUnreachable(cmd.Id(1)); break;
            case "report-snapshot": nodes[cmd.Id(0)].Node.ReportSnapshot(cmd.Id(1), cmd.Positional.Contains("failed")); break;
            case "restart": Restart(cmd.Id(0)); break;
            default: throw new FormatException($"line {cmd.Line}: unknown command '{cmd.Name}'");
        }

        return output.ToString();
    }

    private void Line(string text) => output.Append(text).Append('\n');

    private void AddNodes(ScenarioCommand cmd)
    {
        var count = int.Parse(cmd.Positional[0], CultureInfo.InvariantCulture);
        var voters = cmd.Options.TryGetValue("voters", out var v) ? ScenarioCommand.Ids(v) : [];
        var learners = cmd.Options.TryGetValue("learners", out var l) ? ScenarioCommand.Ids(l) : [];
        var bootstrap = cmd.Positional.Contains("bootstrap");
        for (var i = 0; i < count; i++)
        {
            var id = (ulong)nodes.Count + 1;
            var storage = new MemoryStorage();
            if (voters.Count > 0 && !bootstrap)
            {
                // Start from a snapshot at index 1 holding the configuration, as etcd's add-nodes does.
                var cs = new ConfState(voters, learners, [], [], false);
                storage.ApplySnapshot(new Snapshot(new SnapshotMetadata(1, 1, cs), ReadOnlyMemory<byte>.Empty));

                // Term 1 is the term of that snapshot, so the first election is for term 2 (as after Bootstrap).
                storage.SetHardState(new HardState(1, 0, 1));
            }

            var options = Options(cmd, id, storage);
            var raw = bootstrap ? RawNode.Bootstrap(options, voters) : new RawNode(options);
            nodes[id] = new TestNode(id, raw, storage, options) { ConfState = storage.InitialState().ConfState };
            Line($"node {id} added: {nodes[id].Machine.Tracker.Config} {Brief(id)}");
        }
    }

    private static RaftOptions Options(ScenarioCommand cmd, ulong id, MemoryStorage storage)
    {
        var seed = int.Parse(cmd.Option("seed", "1"), CultureInfo.InvariantCulture);
        var o = new RaftOptions
        {
            Id = id,
            Storage = storage,
            Random = new Random((seed * 1000) + (int)id),
            PreVote = bool.Parse(cmd.Option("prevote", "true")),
            CheckQuorum = bool.Parse(cmd.Option("checkquorum", "true")),
            ReadOnlyOption = cmd.Option("read-only", "safe") == "lease" ? ReadOnlyOption.LeaseBased : ReadOnlyOption.Safe,
            ElectionTick = int.Parse(cmd.Option("election", "10"), CultureInfo.InvariantCulture),
            HeartbeatTick = int.Parse(cmd.Option("heartbeat", "1"), CultureInfo.InvariantCulture),
        };
        if (cmd.Options.TryGetValue("max-size-per-msg", out var m))
        {
            o = o with { MaxSizePerMsg = ulong.Parse(m, CultureInfo.InvariantCulture) };
        }

        if (cmd.Options.TryGetValue("max-inflight", out var mi))
        {
            o = o with { MaxInflightMessages = int.Parse(mi, CultureInfo.InvariantCulture) };
        }

        return o;
    }

    private void Tick(ulong id, int times)
    {
        for (var i = 0; i < times; i++)
        {
            nodes[id].Node.Tick();
        }
    }

    private void ProposeConfChange(ScenarioCommand cmd)
    {
        var transition = cmd.Option("transition", "auto") switch
        {
            "auto" => ConfChangeTransition.Auto,
            "implicit" => ConfChangeTransition.JointImplicit,
            "explicit" => ConfChangeTransition.JointExplicit,
            var t => throw new FormatException($"line {cmd.Line}: unknown transition {t}"),
        };
        var changes = cmd.Positional.Skip(1).Select(token => new ConfChangeSingle(
            token[0] switch
            {
                'v' => ConfChangeType.AddVoter,
                'l' => ConfChangeType.AddLearner,
                'r' => ConfChangeType.RemoveNode,
                _ => throw new FormatException($"line {cmd.Line}: bad change '{token}'"),
            },
            ulong.Parse(token[1..], CultureInfo.InvariantCulture))).ToList();
        Line(nodes[cmd.Id(0)].Node.ProposeConfChange(new ConfChange(changes, transition)).ToString());
    }

    private void ForNodes(ScenarioCommand cmd, Action<ulong> action)
    {
        var ids = cmd.AllIds();
        foreach (var id in ids.Count > 0 ? ids : [.. nodes.Keys])
        {
            action(id);
        }
    }

    private bool ProcessReady(ulong id, string indent = "")
    {
        var n = nodes[id];
        if (!n.Node.HasReady())
        {
            return false;
        }

        var before = n.ConfState;
        var rd = n.HandleReady(queue)!;
        if (indent.Length > 0)
        {
            Line($"> {id} handling Ready");
        }

        foreach (var line in Describe.Ready(rd))
        {
            Line(indent + line);
        }

        if (!ReferenceEquals(before, n.ConfState) && !before.IsEquivalent(n.ConfState))
        {
            Line($"{indent}INFO {id} switched to configuration {n.ConfState}");
        }

        return true;
    }

    private void DeliverMsgs(ScenarioCommand cmd)
    {
        if (cmd.Options.TryGetValue("drop", out var drop))
        {
            var ids = ScenarioCommand.Ids(drop);
            foreach (var m in queue.Where(m => ids.Contains(m.To)).ToList())
            {
                Line("dropped: " + Describe.Message(m));
                queue.Remove(m);
            }

            return;
        }

        ForNodes(cmd, id => Deliver(id, string.Empty));
    }

    private bool Deliver(ulong to, string indent)
    {
        var batch = queue.Where(m => m.To == to).ToList();
        if (batch.Count == 0)
        {
            return false;
        }

        queue.RemoveAll(m => m.To == to);
        if (indent.Length > 0)
        {
            Line($"> {to} receiving messages");
        }

        foreach (var m in batch)
        {
            if (Partitioned(m.From, m.To))
            {
                Line(indent + "dropped (partition): " + Describe.Message(m));
                continue;
            }

            Line(indent + Describe.Message(m));
            nodes[to].Node.Step(m);
        }

        return true;
    }

    private bool Partitioned(ulong a, ulong b) =>
        partitionOf.Count > 0 && partitionOf.GetValueOrDefault(a, -1) != partitionOf.GetValueOrDefault(b, -1);

    private void Stabilize(ScenarioCommand cmd)
    {
        var ids = cmd.AllIds();
        var set = ids.Count > 0 ? ids : [.. nodes.Keys];
        for (var round = 0; round < MaxStabilizeRounds; round++)
        {
            var moved = false;
            foreach (var id in set)
            {
                moved |= ProcessReady(id, "  ");
            }

            foreach (var id in set)
            {
                moved |= Deliver(id, "  ");
            }

            if (!moved)
            {
                return;
            }
        }

        throw new InvalidOperationException($"line {cmd.Line}: did not stabilize within {MaxStabilizeRounds} rounds");
    }

    private string Brief(ulong id)
    {
        var s = nodes[id].Node.Status();
        return $"{s.Role} Term:{s.Term} Lead:{s.Leader} Commit:{s.Commit} Applied:{s.Applied}";
    }

    private void RaftState()
    {
        foreach (var (id, n) in nodes)
        {
            var r = n.Machine;
            var kind = r.Tracker.Progress.TryGetValue(id, out var pr) ? (pr.IsLearner ? "Learner" : "Voter") : "None";
            Line($"{id}: {r.State} ({kind}) Term:{r.Term} Lead:{r.Lead} Vote:{r.Vote} Commit:{r.Log.Committed} Last:{r.Log.LastIndex()}");
        }
    }

    private void Status(ulong id)
    {
        var r = nodes[id].Machine;
        Line($"{id}: {r.State} Term:{r.Term} Commit:{r.Log.Committed} Config:{r.Tracker.Config}"
            + (r.LeadTransferee != 0 ? $" Transferee:{r.LeadTransferee}" : string.Empty));
        if (r.State == StateRole.Leader)
        {
            foreach (var (pid, pr) in r.Tracker.Progress)
            {
                Line($"  {pid}: {pr}");
            }
        }
    }

    private void RaftLog(ulong id)
    {
        var s = nodes[id].Storage;
        if (s.FirstIndex() > 1)
        {
            Line($"snapshot {Describe.Snapshot(s.Snapshot())}");
        }

        var entries = s.LastIndex() >= s.FirstIndex() ? s.Entries(s.FirstIndex(), s.LastIndex() + 1, ulong.MaxValue) : [];
        if (entries.Count == 0)
        {
            Line("log is empty");
        }

        foreach (var e in entries)
        {
            Line(Describe.Entry(e));
        }
    }

    private void Compact(ulong id, ulong index)
    {
        var n = nodes[id];
        n.Storage.CreateSnapshot(index, n.ConfState, Encoding.UTF8.GetBytes($"snap@{index}"));
        n.Storage.Compact(index);
        RaftLog(id);
    }

    private void Partition(ScenarioCommand cmd)
    {
        partitionOf.Clear();
        for (var g = 0; g < cmd.Positional.Count; g++)
        {
            foreach (var id in ScenarioCommand.Ids(cmd.Positional[g]))
            {
                partitionOf[id] = g;
            }
        }
    }

    private void Restart(ulong id)
    {
        var n = nodes[id];
        queue.RemoveAll(m => m.To == id);
        var options = n.Options with { Applied = 0, Random = new Random(7919 + (int)id) };
        n.Node = new RawNode(options);
        n.Applied.Clear();
        n.ConfState = n.Storage.InitialState().ConfState;
        Line(Brief(id));
    }
}
