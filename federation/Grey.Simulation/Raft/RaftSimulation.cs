using Grey.Linearizability;
using Grey.Raft;
using Grey.Simulation.Core;
using Grey.Simulation.Invariants;
using Grey.Simulation.Network;

namespace Grey.Simulation.Raft;

/// <summary>
/// One deterministic run of a Raft group under faults: nodes, clients, network, disks and the fault
/// schedule share one event queue and one seed. After every step the Raft invariants are checked (inline,
/// as each node handles its Ready); at the end the client history is checked for linearizability. Run it
/// twice with the same options and it does exactly the same thing.
/// </summary>
internal sealed class RaftSimulation
{
    /// <summary>Share of the steps with faults and new client operations; the rest is a quiet period.</summary>
    public const double WorkloadShare = 0.8;

    private readonly Nemesis nemesis;
    private readonly List<SimClient> clients = [];
    private long stepsRun;

    public RaftSimulation(RaftSimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid simulation options: " + string.Join("; ", errors), nameof(options));
        }

        Options = options;

        // Flow-control knobs vary by seed, so replication is exercised one entry per message as well as
        // in batches, with one message in flight as well as with a deep pipeline.
        var config = SeedDerivation.CreateRandom(options.Seed, "config");
        ulong drawnSize = new ulong[] { 1, 512, 4096 }[config.Next(3)];
        MaxSizePerMessage = options.MaxSizePerMessage ?? drawnSize;
        MaxInflightMessages = new[] { 1, 4, 64 }[config.Next(3)];
        Queue = new EventQueue(new VirtualClock());
        Trace = new SimulationTrace(options.TraceCapacity);
        nemesis = new Nemesis(this, SeedDerivation.CreateRandom(options.Seed, "nemesis"), options.Faults);
        Network = new SimulatedNetwork<Message>(
            Queue,
            SeedDerivation.CreateRandom(options.Seed, "network"),
            nemesis.Baseline,
            Deliver);
        KeyNames = Enumerable.Range(0, options.Keys).Select(k => $"k{k}").ToList();

        // One spare node beyond the initial voters, for membership changes (add, promote, remove, re-add).
        int total = options.Faults == FaultProfile.All ? options.Nodes + 1 : options.Nodes;
        for (ulong id = 1; id <= (ulong)total; id++)
        {
            Nodes.Add(new SimNode(this, id, SeedDerivation.CreateRandom(options.Seed, $"node-{id}"), SimulationTimeProvider.ExactRatePpm, TimeSpan.Zero));
        }

        for (int c = 0; c < options.Clients; c++)
        {
            clients.Add(new SimClient(this, c, SeedDerivation.CreateRandom(options.Seed, $"client-{c}")));
        }
    }

    public RaftSimulationOptions Options { get; }

    /// <summary>The Raft MaxSizePerMsg of this run's nodes (drawn from the seed).</summary>
    public ulong MaxSizePerMessage { get; }

    /// <summary>The Raft MaxInflightMessages of this run's nodes (drawn from the seed).</summary>
    public int MaxInflightMessages { get; }

    public EventQueue Queue { get; }

    public SimulationTrace Trace { get; }

    public SimulatedNetwork<Message> Network { get; }

    public RaftInvariantChecker Checker { get; } = new();

    public List<SimNode> Nodes { get; } = [];

    public IReadOnlyList<string> KeyNames { get; }

    /// <summary>The client history recorded so far.</summary>
    public List<HistoryOperation> History { get; } = [];

    /// <summary>The first violation, once found; the run stops at the end of the step that found it.</summary>
    public InvariantViolation? Violation { get; private set; }

    /// <summary>True while clients start new operations.</summary>
    public bool WorkloadRunning { get; private set; }

    /// <summary>True while the fault schedule injects faults.</summary>
    public bool FaultsActive { get; private set; }

    /// <summary>Virtual time in microseconds, the unit of the history's call and return times.</summary>
    public long NowMicros => Queue.Clock.Now.Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>Records a violation (the first one wins); returns true when <paramref name="violation"/> is one.</summary>
    public bool Report(InvariantViolation? violation)
    {
        if (violation is null)
        {
            return false;
        }

        if (Violation is null)
        {
            Violation = violation;
            Trace.Record(Queue.Clock.Now, "VIOLATION", 0, 0, note: violation.ToString());
        }

        return true;
    }

    /// <summary>
    /// Runs one seed and never throws for what the run does: an exception escaping the Raft library or the
    /// harness is reported as a violation of kind "exception", with the seed, so it replays like any other.
    /// </summary>
    public static SimulationResult RunSeed(RaftSimulationOptions options)
    {
        var sim = new RaftSimulation(options);
        try
        {
            return sim.Run();
        }
#pragma warning disable CA1031 // A crash inside a run is a finding to report with its seed, not a reason to stop the sweep.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            sim.Report(new InvariantViolation("exception", $"{ex.GetType().Name}: {ex.Message}"));
            return sim.Result(null, 0, sim.stepsRun);
        }
    }

    /// <summary>Runs the simulation to the end and checks the history.</summary>
    public SimulationResult Run()
    {
        var voters = Enumerable.Range(1, Options.Nodes).Select(i => (ulong)i).ToList();
        foreach (var node in Nodes.Take(Options.Nodes))
        {
            node.Bootstrap(voters);
        }

        WorkloadRunning = true;
        FaultsActive = true;
        nemesis.Start();
        foreach (var client in clients)
        {
            client.Start();
        }

        long workloadSteps = (long)(Options.MaxSteps * WorkloadShare);
        long steps = 0;
        while (steps < Options.MaxSteps && Violation is null)
        {
            if (steps == workloadSteps)
            {
                WorkloadRunning = false;
                FaultsActive = false;
                nemesis.Calm();
            }
            else if (!WorkloadRunning && clients.TrueForAll(c => !c.IsBusy))
            {
                break;
            }

            if (!Queue.RunNext())
            {
                break;
            }

            steps++;
            stepsRun = steps;
        }

        foreach (var client in clients)
        {
            client.Abandon();
        }

        Verdict? verdict = null;
        long states = 0;
        if (Violation is null)
        {
            var check = LinearizabilityChecker.Check(History, ModelKind.Kv);
            verdict = check.Verdict;
            states = check.StatesExplored;
            if (check.Verdict == Verdict.NotLinearizable)
            {
                Report(new InvariantViolation("linearizability", $"key {check.Key}: {check.Detail}"));
            }
            else if (check.Verdict == Verdict.Unknown)
            {
                Report(new InvariantViolation("linearizability-undecided", $"key {check.Key}: {check.Detail}"));
            }
        }

        return Result(verdict, states, steps);
    }

    private SimulationResult Result(Verdict? verdict, long states, long steps)
    {
        return new SimulationResult
        {
            Seed = Options.Seed,
            Violation = Violation,
            Verdict = verdict,
            Steps = steps,
            VirtualTime = Queue.Clock.Now,
            Elections = Checker.Elections,
            Commits = Checker.HighestApplied,
            HistoryOperations = History.Count,
            UnknownOperations = History.Count(h => h.ReturnTime is null),
            StatesExplored = states,
            Crashes = nemesis.Crashes,
            Partitions = nemesis.Partitions,
            MembershipChanges = nemesis.MembershipChanges,
            Transfers = nemesis.Transfers,
            TornWrites = Nodes.Sum(n => n.Disk.TornWrites),
            TornTailsCut = Nodes.Sum(n => n.TornTailsCut),
            SnapshotsInstalled = Nodes.Sum(n => n.SnapshotsInstalled),
            MessagesSent = Network.Statistics.Sent,
            MessagesDropped = Network.Statistics.Dropped + Network.Statistics.Partitioned,
            TraceHash = Trace.Hash,
            RecentTrace = Trace.Recent(Options.TraceCapacity),
            RecentNotable = Trace.RecentNotable(SimulationTrace.NotableCapacity),
            History = History,
        };
    }

    /// <summary>Runs the commit-durability check over the durable logs of <paramref name="voters"/>.</summary>
    public InvariantViolation? CheckCommitDurable(ulong leader, ulong index, ulong term, ulong contentHash, IReadOnlyList<ulong> voters)
    {
        var logs = new List<VoterLog>(voters.Count);
        foreach (ulong id in voters)
        {
            var node = Nodes.Find(n => n.Id == id);
            if (node is null || !node.HasStarted)
            {
                continue;
            }

            var (lastIndex, lastTerm) = node.LastDurable();
            logs.Add(new VoterLog(id, lastIndex, lastTerm, node.LookUp(index)));
        }

        return logs.Count == voters.Count ? RaftInvariantChecker.CheckCommitDurable(leader, index, term, contentHash, logs) : null;
    }

    /// <summary>Called by a node that just became leader (the fault schedule may act on it).</summary>
    public void OnLeaderElected(SimNode node) => nemesis.OnLeaderElected(node);

    /// <summary>The up node that leads in the highest term, or null.</summary>
    public SimNode? CurrentLeader()
    {
        SimNode? best = null;
        foreach (var node in Nodes)
        {
            if (node.IsUp && node.Role == StateRole.Leader && (best is null || node.Term > best.Term))
            {
                best = node;
            }
        }

        return best;
    }

    /// <summary>
    /// Whether <paramref name="id"/> belongs to the group, by the membership of the running node that has
    /// applied the most (the best view the fault schedule has without asking the protocol).
    /// </summary>
    public bool IsMember(ulong id)
    {
        SimNode? best = null;
        foreach (var node in Nodes)
        {
            if (node.IsUp && node.Conf.Voters.Count > 0 && (best is null || node.Applied > best.Applied))
            {
                best = node;
            }
        }

        if (best is null)
        {
            return id <= (ulong)Options.Nodes;
        }

        var conf = best.Conf;
        return conf.Voters.Contains(id) || conf.Learners.Contains(id) || conf.VotersOutgoing.Contains(id) || conf.LearnersNext.Contains(id);
    }

    /// <summary>The node a client talks to: its guess when that node runs, else a random running node.</summary>
    public SimNode? PickNode(Random random, ulong leaderGuess)
    {
        if (leaderGuess != 0)
        {
            var guessed = Nodes.Find(n => n.Id == leaderGuess);
            if (guessed is { IsUp: true })
            {
                return guessed;
            }
        }

        var up = Nodes.Where(n => n.IsUp).ToList();
        return up.Count == 0 ? null : up[random.Next(up.Count)];
    }

    /// <summary>One-way latency between a client and a node (clients sit next to the group).</summary>
    public TimeSpan ClientLatency(Random random) => TimeSpan.FromMicroseconds(200 + random.Next(1800));

    private void Deliver(ulong from, ulong to, Message message)
    {
        var node = Nodes.Find(n => n.Id == to);
        if (node is null || !node.IsUp)
        {
            return;
        }

        Trace.Record(Queue.Clock.Now, message.Type.ToString(), from, to, (long)message.Term, (long)message.Index);
        node.Receive(message);
    }
}
