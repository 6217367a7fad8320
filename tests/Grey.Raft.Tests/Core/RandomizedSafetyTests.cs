using Grey.Raft.Tests.Support;
using Xunit.Abstractions;

namespace Grey.Raft.Tests.Core;

/// <summary>
/// A small seeded chaos run over the library alone (the full simulator lives in Grey.Simulation): random
/// ticks, proposals, reordered, dropped and duplicated delivery, partitions, restarts, compaction, leader
/// transfers and membership changes, with election safety, state-machine safety and leader completeness
/// checked after every step. Each failure names its seed.
/// </summary>
public sealed class RandomizedSafetyTests
{
    private readonly ITestOutputHelper output;

    public RandomizedSafetyTests(ITestOutputHelper output) => this.output = output;

    private sealed class Run
    {
        private readonly Random random;
        private readonly Cluster c;
        private readonly Dictionary<ulong, ulong> leaderOfTerm = [];
        private readonly Dictionary<ulong, Entry> appliedAt = [];

        // An upper bound of the term in which each applied index was committed: the highest term any node
        // had when the index was first seen applied. Leaders of later terms must hold the entry.
        private readonly Dictionary<ulong, ulong> committedBy = [];
        private readonly Dictionary<ulong, int> checkedApplied = [];
        private readonly int voters;
        private readonly Dictionary<ulong, int> checkedReads = [];
        private int proposals;
        private ulong maxApplied;
        private int reads;

        public Run(int seed, RaftSabotage sabotage)
        {
            random = new Random(seed);
            // Odd seeds run three voters, even seeds five; one more node starts empty and joins by conf changes.
            voters = seed % 2 == 1 ? 3 : 5;
            // Seeds also vary pre-vote, check-quorum and the read mode (lease reads only with check-quorum).
            var preVote = seed % 3 != 0;
            var checkQuorum = seed % 5 != 0;
            var lease = checkQuorum && seed % 7 == 0;
            c = new Cluster(
                voters,
                o => o with
                {
                    Sabotage = sabotage,
                    MaxSizePerMsg = 64,
                    MaxInflightMessages = 4,
                    PreVote = preVote,
                    CheckQuorum = checkQuorum,
                    ReadOnlyOption = lease ? ReadOnlyOption.LeaseBased : ReadOnlyOption.Safe,
                },
                seed);
            c.AddNode((ulong)voters + 1, new MemoryStorage());
        }

        public string? Violation { get; private set; }

        public int Committed => appliedAt.Count;

        public void Execute(int steps)
        {
            for (var step = 0; step < steps && Violation is null; step++)
            {
                Act(step);
                Check(step);
            }
        }

        /// <summary>
        /// Heals the network and runs without faults; returns null when a leader emerges and a new proposal is
        /// applied by every voter, or a description of what got stuck.
        /// </summary>
        public string? Recover()
        {
            c.Heal();
            for (var round = 0; round < 400; round++)
            {
                c.TickAll();
                c.Stabilize(maxRounds: 200, throwOnLimit: false);
                var leader = c.Leader();
                if (leader == 0)
                {
                    continue;
                }

                if (c[leader].Node.Propose(Cluster.Bytes("final")) != ProposeResult.Accepted)
                {
                    continue;
                }

                for (var i = 0; i < 50; i++)
                {
                    c.TickAll();
                    c.Stabilize(maxRounds: 200, throwOnLimit: false);
                }

                var st = c[leader].Node.Status();
                var missing = st.Config.Voters.Where(v => !c.AppliedData(v).Contains("final")).ToList();
                return missing.Count == 0
                    ? null
                    : $"voters {string.Join(",", missing)} did not apply the final proposal; leader {leader} now {c.Leader()} "
                      + string.Join("; ", c.Nodes.Values.Select(n => $"{n.Id}: {n.Node.Status().Role} t{n.Node.Status().Term} commit {n.Node.Status().Commit} applied {n.Node.Status().Applied} last {n.Storage.LastIndex()} first {n.Storage.FirstIndex()}"))
                      + " progress " + string.Join(", ", c[c.Leader()].Node.Status().Progress.Select(p => $"{p.Key}:{p.Value}"));
            }

            return "no leader accepted a proposal after healing: "
                + string.Join("; ", c.Nodes.Values.Select(n =>
                {
                    var st = n.Node.Status();
                    return $"{n.Id}: {st.Role} t{st.Term} lead {st.Leader} commit {st.Commit} applied {st.Applied} last {n.Storage.LastIndex()}/t{n.Storage.Term(n.Storage.LastIndex())} vote {st.Vote} config {st.Config} transferee {st.LeadTransferee}";
                }));
        }

        private void Act(int step)
        {
            var ids = c.Nodes.Keys.ToList();
            var roll = random.Next(100);
            if (roll < 35)
            {
                c.Tick(ids[random.Next(ids.Count)]);
            }
            else if (roll < 50)
            {
                var leader = c.Leader();
                if (leader != 0)
                {
                    c[leader].Node.Propose(Cluster.Bytes($"p{proposals++}"));
                }
            }
            else if (roll < 80)
            {
                c.ProcessReadies();
                DeliverSome();
            }
            else if (roll < 84)
            {
                if (random.Next(2) == 0)
                {
                    c.Heal();
                }
                else
                {
                    c.Isolate(ids[random.Next(ids.Count)]);
                }
            }
            else if (roll < 86)
            {
                var id = ids[random.Next(ids.Count)];
                c.Restart(id);
                checkedApplied[id] = 0;
            }
            else if (roll < 89)
            {
                var n = c[ids[random.Next(ids.Count)]];
                var applied = n.Node.Status().Applied;
                if (applied > n.Storage.Snapshot().Metadata.Index && applied <= n.Storage.LastIndex())
                {
                    n.Storage.CreateSnapshot(applied, n.ConfState, ReadOnlyMemory<byte>.Empty);
                    n.Storage.Compact(applied);
                }
            }
            else if (roll < 91)
            {
                var leader = c.Leader();
                if (leader != 0)
                {
                    c[leader].Node.TransferLeader(ids[random.Next(ids.Count)]);
                }
            }
            else if (roll < 92)
            {
                // A read must observe every write applied anywhere before it was issued. The context is
                // unique per request (as the API requires) and carries that lower bound.
                var id = ids[random.Next(ids.Count)];
                var context = new byte[16];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(context, maxApplied);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(context.AsSpan(8), (ulong)reads++);
                c[id].Node.ReadIndex(context);
            }
            else if (roll < 93)
            {
                var leader = c.Leader();
                if (leader != 0)
                {
                    var spare = (ulong)voters + 1;
                    var other = (ulong)random.Next(1, voters + 1);
                    ConfChange cc = random.Next(7) switch
                    {
                        0 => ConfChange.AddLearner(spare),
                        1 => ConfChange.AddVoter(spare),
                        2 => ConfChange.RemoveNode(spare),
                        3 => ConfChange.AddVoter(other),
                        4 => new ConfChange([new(ConfChangeType.AddVoter, spare), new(ConfChangeType.AddLearner, other)]),
                        5 => new ConfChange([new(ConfChangeType.AddVoter, other), new(ConfChangeType.RemoveNode, spare)], ConfChangeTransition.JointExplicit),
                        _ => ConfChange.LeaveJoint(),
                    };
                    c[leader].Node.ProposeConfChange(cc);
                }
            }
            else
            {
                for (var i = 0; i < 3; i++)
                {
                    c.ProcessReadies();
                    DeliverSome();
                }
            }

            _ = step;
        }

        private void DeliverSome()
        {
            // Reorder, drop (5%) and duplicate (3%) what is in flight; keep some of it for later.
            var batch = c.Queue.ToList();
            c.Queue.Clear();
            var keep = new List<Message>();
            var deliver = new List<Message>();
            foreach (var m in batch.OrderBy(_ => random.Next()))
            {
                var r = random.Next(100);
                if (r < 5)
                {
                    if (m.Type == MessageType.Snapshot)
                    {
                        // A transport reports a snapshot it failed to deliver, so the leader tries again.
                        c[m.From].Node.ReportSnapshot(m.To, failed: true);
                    }

                    continue;
                }

                if (r < 20)
                {
                    keep.Add(m);
                    continue;
                }

                deliver.Add(m);
                if (r < 23)
                {
                    deliver.Add(m);
                }
            }

            c.Queue.AddRange(deliver);
            c.DeliverAll();
            c.Queue.AddRange(keep);
        }

        private void Check(int step)
        {
            var maxTerm = c.Nodes.Values.Max(n => n.Node.Status().Term);
            foreach (var n in c.Nodes.Values)
            {
                var st = n.Node.Status();
                if (st.Role == StateRole.Leader)
                {
                    if (leaderOfTerm.TryGetValue(st.Term, out var other) && other != n.Id)
                    {
                        Violation = $"step {step}: election safety: nodes {other} and {n.Id} both lead term {st.Term}";
                        return;
                    }

                    leaderOfTerm[st.Term] = n.Id;
                }

                var from = checkedApplied.GetValueOrDefault(n.Id);
                for (var i = from; i < n.Applied.Count; i++)
                {
                    var e = n.Applied[i];
                    if (appliedAt.TryGetValue(e.Index, out var prior))
                    {
                        if (prior.Term != e.Term || prior.Kind != e.Kind || !prior.Data.Span.SequenceEqual(e.Data.Span))
                        {
                            Violation = $"step {step}: state-machine safety: index {e.Index} applied as {prior.Term}/{prior.Kind} and as {e.Term}/{e.Kind} (node {n.Id})";
                            return;
                        }
                    }
                    else
                    {
                        appliedAt[e.Index] = e;
                        committedBy[e.Index] = maxTerm;
                    }
                }

                checkedApplied[n.Id] = n.Applied.Count;
                for (var i = checkedReads.GetValueOrDefault(n.Id); i < n.ReadStates.Count; i++)
                {
                    var rs = n.ReadStates[i];
                    var required = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(rs.Context.Span);
                    if (rs.Index < required)
                    {
                        Violation = $"step {step}: stale read: node {n.Id} got read index {rs.Index} though index {required} was applied before the read";
                        return;
                    }
                }

                checkedReads[n.Id] = n.ReadStates.Count;
            }

            maxApplied = appliedAt.Count == 0 ? 0 : Math.Max(maxApplied, appliedAt.Keys.Max());

            // Leader completeness: a leader of a term after an entry was committed holds that entry (unless
            // its log was compacted past it).
            foreach (var n in c.Nodes.Values.Where(n => n.Node.Status().Role == StateRole.Leader))
            {
                var log = n.Machine.Log;
                foreach (var (index, e) in appliedAt)
                {
                    if (index < log.FirstIndex() || n.Machine.Term <= committedBy[index])
                    {
                        continue;
                    }

                    if (!log.TryTerm(index, out var term) || term != e.Term)
                    {
                        Violation = $"step {step}: leader completeness: leader {n.Id} (term {n.Node.Status().Term}) lacks committed entry {e.Term}/{index}";
                        return;
                    }
                }
            }
        }
    }

    [Fact]
    public void ChaosRun_ManySeeds_NoSafetyViolation()
    {
        // GREY_RAFT_CHAOS_SEEDS raises the number of seeds for a longer local hunt (default 30).
        var seeds = int.TryParse(Environment.GetEnvironmentVariable("GREY_RAFT_CHAOS_SEEDS"), out var n) ? n : 30;
        var committed = 0;
        for (var seed = 1; seed <= seeds; seed++)
        {
            var run = new Run(seed, RaftSabotage.None);
            run.Execute(3000);
            Assert.True(run.Violation is null, $"seed={seed}: {run.Violation}");
            var stuck = run.Recover();
            Assert.True(stuck is null, $"seed={seed}: liveness after healing: {stuck}");
            committed += run.Committed;
        }

        output.WriteLine($"seeds 1-{seeds}: {committed} entries applied, no violation");
        Assert.True(committed > seeds * 20, $"too little progress: {committed} entries over {seeds} seeds");
    }

    // CommitPreviousTermByCount is not in this list: random chaos rarely produces the exact Figure 8
    // interleaving (a leader that commits an old-term entry by count and is deposed before its own empty
    // entry commits, then a leader with a conflicting entry of a higher term). 400 seeds found none, so that
    // sabotage is proven by the scripted test RaftMachineReplicationTests.MaybeCommit_SabotageCommitPreviousTermByCount_CommittedEntryIsLost.
    [Theory]
    [InlineData((int)RaftSabotage.GrantTwoVotesPerTerm)]
    [InlineData((int)RaftSabotage.SkipLogUpToDateCheck)]
    [InlineData((int)RaftSabotage.ReadIndexWithoutQuorum)]
    public void ChaosRun_Sabotage_ViolationFoundWithinSeeds(int flag)
    {
        var sabotage = (RaftSabotage)flag;
        for (var seed = 1; seed <= 200; seed++)
        {
            var run = new Run(seed, sabotage);
            run.Execute(3000);
            if (run.Violation is not null)
            {
                output.WriteLine($"{sabotage}: seed={seed}: {run.Violation}");
                return;
            }
        }

        Assert.Fail($"{sabotage}: no violation found in seeds 1-200");
    }
}
