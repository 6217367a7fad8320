using System.Globalization;
using Grey.Raft;
using Grey.Simulation.Core;
using Grey.Simulation.Network;

namespace Grey.Simulation.Raft;

/// <summary>
/// The fault schedule: at random intervals it picks a fault allowed by the <see cref="FaultProfile"/> and
/// injects it, and it undoes each fault after a while (partitions heal, crashed nodes restart, lossy
/// spells end), so the group keeps making progress between faults. Every choice comes from its own
/// random source, derived from the run's seed.
/// </summary>
internal sealed class Nemesis
{
    /// <summary>Shortest and longest pause between two faults.</summary>
    public static readonly TimeSpan MinPause = TimeSpan.FromMilliseconds(40);

    /// <inheritdoc cref="MinPause"/>
    public static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(350);

    /// <summary>The slowest and fastest clock rate injected (ppm): from 25% slow to 30% fast.</summary>
    public const long MinSkewPpm = 750_000;

    /// <inheritdoc cref="MinSkewPpm"/>
    public const long MaxSkewPpm = 1_300_000;

    /// <summary>A lossy spell: the network drops, duplicates and reorders much more than usual.</summary>
    public static readonly NetworkFaults Lossy = new()
    {
        DropProbability = 0.2,
        DuplicateProbability = 0.1,
        ReorderProbability = 0.3,
        MaxLatency = TimeSpan.FromMilliseconds(20),
    };

    private readonly RaftSimulation sim;
    private readonly Random random;
    private readonly bool net;
    private readonly bool crash;
    private readonly bool all;

    public Nemesis(RaftSimulation sim, Random random, FaultProfile profile)
    {
        this.sim = sim;
        this.random = random;
        net = profile is FaultProfile.Net or FaultProfile.All;
        crash = profile is FaultProfile.Crash or FaultProfile.All;
        all = profile == FaultProfile.All;
    }

    /// <summary>The network profile between lossy spells.</summary>
    public NetworkFaults Baseline => net ? new NetworkFaults() : NetworkFaults.None;

    public int Partitions { get; private set; }

    public int Crashes { get; private set; }

    public int MembershipChanges { get; private set; }

    public int Transfers { get; private set; }

    public int SkewChanges { get; private set; }

    /// <summary>Schedules the first fault (nothing when the profile injects none).</summary>
    public void Start()
    {
        if (net || crash)
        {
            sim.Queue.Schedule(Pause(), Act);
        }

        if (all)
        {
            // Skewed clocks from the start: each node ticks at its own rate.
            foreach (var node in sim.Nodes)
            {
                node.SetClockRate(Skew());
            }
        }
    }

    /// <summary>How soon after its election a leader picked for an early crash goes down (uniform).</summary>
    public static readonly TimeSpan NewLeaderCrashWindow = TimeSpan.FromMilliseconds(15);

    /// <summary>Probability that a leader elected during a churn spell is cut off or crashed at once.</summary>
    public const double ChurnProbability = 0.7;

    private TimeSpan churnUntil;

    // The node being (re-)added: it runs before its AddLearner entry is applied anywhere, so it must not
    // be mistaken for a removed node and stopped again.
    private SimNode? joining;

    /// <summary>
    /// A node just became leader, before it sent anything. Under crash faults it may be crashed a few
    /// milliseconds later; during a churn spell it may instead be cut off from everyone at once, so the
    /// entries it appends on election stay on its disk alone. Both build the diverging, partly replicated
    /// logs of the Raft paper's Figure 8, which random faults alone reach only rarely.
    /// </summary>
    public void OnLeaderElected(SimNode node)
    {
        if (!sim.FaultsActive)
        {
            return;
        }

        if (sim.Queue.Clock.Now < churnUntil && random.NextDouble() < ChurnProbability)
        {
            if (net && (!crash || random.Next(2) == 0))
            {
                var others = sim.Nodes.Where(n => n.Id != node.Id).Select(n => n.Id).ToList();
                sim.Network.Partition([[node.Id], others]);
                Note("churn-isolate", string.Create(CultureInfo.InvariantCulture, $"n{node.Id}"));
                HealLater();
                return;
            }

            ScheduleEarlyCrash(node);
            return;
        }

        if (crash && random.NextDouble() < sim.Options.NewLeaderCrashProbability)
        {
            ScheduleEarlyCrash(node);
        }
    }

    private void ScheduleEarlyCrash(SimNode node)
    {
        ulong term = node.Term;
        sim.Queue.Schedule(Between(TimeSpan.Zero, NewLeaderCrashWindow), () =>
        {
            if (sim.FaultsActive && node.IsUp && node.Term == term)
            {
                CrashNode(node);
            }
        });
    }

    private void ChurnSpell()
    {
        churnUntil = sim.Queue.Clock.Now + Between(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(1500));
        Note("churn", string.Empty);
    }

    /// <summary>The quiet period: heal everything, restart members that are down, exact clocks.</summary>
    public void Calm()
    {
        sim.Network.Heal();
        sim.Network.Faults = NetworkFaults.None;
        foreach (var node in sim.Nodes)
        {
            node.SetClockRate(SimulationTimeProvider.ExactRatePpm);
            if (!node.IsUp && node.HasStarted && (!node.IsStopped || sim.IsMember(node.Id)))
            {
                Restart(node);
            }
        }

        sim.Trace.Record(sim.Queue.Clock.Now, "calm", 0, 0, note: string.Empty);
    }

    private void Act()
    {
        if (!sim.FaultsActive)
        {
            return;
        }

        var choices = new List<Action>();
        if (net)
        {
            choices.Add(PartitionRandom);
            choices.Add(PartitionAsymmetric);
            choices.Add(IsolateLeader);
            choices.Add(LossySpell);
        }

        if (crash)
        {
            choices.Add(CrashRandom);
            choices.Add(CrashLeader);
        }

        if (net || crash)
        {
            choices.Add(ChurnSpell);
        }

        if (all)
        {
            choices.Add(SkewClock);
            choices.Add(TransferLeader);
            choices.Add(ChangeMembership);
            choices.Add(ChangeMembership);
        }

        choices[random.Next(choices.Count)]();
        sim.Queue.Schedule(Pause(), Act);
    }

    private void PartitionRandom()
    {
        var ids = Shuffled(sim.Nodes.Select(n => n.Id));
        int split = random.Next(1, ids.Count);
        sim.Network.Partition([ids.Take(split).ToList(), ids.Skip(split).ToList()]);
        Note("partition", string.Join(",", ids.Take(split)) + "|" + string.Join(",", ids.Skip(split)));
        HealLater();
    }

    private void PartitionAsymmetric()
    {
        var ids = sim.Nodes.Select(n => n.Id).ToList();
        int cuts = random.Next(1, ids.Count + 1);
        var described = new List<string>();
        for (int i = 0; i < cuts; i++)
        {
            ulong from = ids[random.Next(ids.Count)];
            ulong to = ids[random.Next(ids.Count)];
            if (from != to)
            {
                sim.Network.Cut(from, to);
                described.Add(string.Create(CultureInfo.InvariantCulture, $"{from}-x>{to}"));
            }
        }

        Note("cut", string.Join(" ", described));
        HealLater();
    }

    private void IsolateLeader()
    {
        var leader = sim.CurrentLeader();
        if (leader is null)
        {
            PartitionRandom();
            return;
        }

        var others = sim.Nodes.Where(n => n.Id != leader.Id).Select(n => n.Id).ToList();
        sim.Network.Partition([[leader.Id], others]);
        Note("isolate-leader", leader.Id.ToString(CultureInfo.InvariantCulture));
        HealLater();
    }

    private void LossySpell()
    {
        sim.Network.Faults = Lossy;
        Note("lossy", string.Empty);
        sim.Queue.Schedule(Between(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(600)), () =>
        {
            if (sim.FaultsActive)
            {
                sim.Network.Faults = Baseline;
                Note("lossless", string.Empty);
            }
        });
    }

    private void CrashRandom()
    {
        var up = sim.Nodes.Where(n => n.IsUp).ToList();
        if (up.Count == 0)
        {
            return;
        }

        CrashNode(up[random.Next(up.Count)]);
    }

    private void CrashLeader()
    {
        var leader = sim.CurrentLeader();
        if (leader is null)
        {
            CrashRandom();
            return;
        }

        CrashNode(leader);
    }

    private void CrashNode(SimNode node)
    {
        int lost = node.Crash();
        Crashes++;
        Note("crash", string.Create(CultureInfo.InvariantCulture, $"n{node.Id} lost {lost} unsynced bytes"));
        sim.Queue.Schedule(Between(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(700)), () =>
        {
            // A crashed process always comes back (a stopped, removed one only when it is re-added).
            if (!node.IsUp && !node.IsStopped)
            {
                Restart(node);
            }
        });
    }

    private void Restart(SimNode node)
    {
        var recovery = node.Restart();
        Note("restart", string.Create(
            CultureInfo.InvariantCulture,
            $"n{node.Id} recovered {recovery.Records.Count} records, cut {recovery.CutBytes} bytes{(recovery.CutReason is null ? string.Empty : " (" + recovery.CutReason + ")")}"));
    }

    private void SkewClock()
    {
        var node = sim.Nodes[random.Next(sim.Nodes.Count)];
        long rate = Skew();
        node.SetClockRate(rate);
        SkewChanges++;
        Note("skew", string.Create(CultureInfo.InvariantCulture, $"n{node.Id} rate {rate}ppm"));
    }

    private void TransferLeader()
    {
        var leader = sim.CurrentLeader();
        if (leader?.Raft is null)
        {
            return;
        }

        var voters = leader.Conf.Voters.Where(v => v != leader.Id).ToList();
        if (voters.Count == 0)
        {
            return;
        }

        ulong target = voters[random.Next(voters.Count)];
        leader.Raft.TransferLeader(target);
        Transfers++;
        Note("transfer", string.Create(CultureInfo.InvariantCulture, $"n{leader.Id} -> n{target}"));
        leader.HandleReady();
    }

    /// <summary>
    /// One step of the membership cycle: add the node that is out as a learner (starting it with an empty
    /// disk the first time, or from its old disk when it is re-added), promote it, then remove a voter
    /// (possibly itself, possibly an original member) so the group returns to its size.
    /// </summary>
    private void ChangeMembership()
    {
        var leader = sim.CurrentLeader();
        if (leader?.Raft is null || leader.Conf.IsJoint)
        {
            return;
        }

        var conf = leader.Conf;
        var outsider = sim.Nodes.FirstOrDefault(n => !conf.Voters.Contains(n.Id) && !conf.Learners.Contains(n.Id));
        var learner = sim.Nodes.FirstOrDefault(n => conf.Learners.Contains(n.Id));
        ConfChange change;
        string what;
        if (learner is not null)
        {
            change = ConfChange.AddVoter(learner.Id);
            what = $"promote n{learner.Id}";
        }
        else if (outsider is not null && conf.Voters.Count <= sim.Options.Nodes)
        {
            if (!outsider.IsUp)
            {
                if (outsider.HasStarted)
                {
                    Restart(outsider);
                }
                else
                {
                    outsider.StartEmpty();
                }
            }

            change = ConfChange.AddLearner(outsider.Id);
            what = $"add learner n{outsider.Id}";
            joining = outsider;
        }
        else if (conf.Voters.Count > sim.Options.Nodes)
        {
            ulong victim = conf.Voters[random.Next(conf.Voters.Count)];
            change = ConfChange.RemoveNode(victim);
            what = $"remove n{victim}";
        }
        else
        {
            return;
        }

        var result = leader.Raft.ProposeConfChange(change);
        Note("membership", $"{what}: {result}");
        if (result == ProposeResult.Accepted)
        {
            MembershipChanges++;
        }

        leader.HandleReady();
        StopRemovedNodes();
    }

    private void StopRemovedNodes()
    {
        // A removed node's process is shut down (its disk is kept, for a later re-add); it no longer gets
        // entries and must not keep campaigning against the group.
        if (joining is not null && sim.IsMember(joining.Id))
        {
            joining = null;
        }

        foreach (var node in sim.Nodes)
        {
            if (node != joining && node.IsUp && !sim.IsMember(node.Id) && node.Conf.Voters.Count > 0 && !node.Conf.Voters.Contains(node.Id) && !node.Conf.Learners.Contains(node.Id))
            {
                node.Crash();
                node.IsStopped = true;
                Note("stop-removed", string.Create(CultureInfo.InvariantCulture, $"n{node.Id}"));
            }
        }
    }

    private void HealLater()
    {
        Partitions++;
        sim.Queue.Schedule(Between(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(900)), () =>
        {
            if (sim.FaultsActive)
            {
                sim.Network.Heal();
                Note("heal", string.Empty);
            }
        });
    }

    private void Note(string kind, string detail) => sim.Trace.Record(sim.Queue.Clock.Now, kind, 0, 0, note: detail);

    private long Skew() => MinSkewPpm + random.NextInt64(MaxSkewPpm - MinSkewPpm + 1);

    private TimeSpan Pause() => Between(MinPause, MaxPause);

    private TimeSpan Between(TimeSpan lo, TimeSpan hi) => lo + TimeSpan.FromTicks(random.NextInt64(hi.Ticks - lo.Ticks + 1));

    private List<ulong> Shuffled(IEnumerable<ulong> ids)
    {
        var list = ids.ToList();
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }

        return list;
    }
}
