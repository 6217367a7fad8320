using System.Diagnostics;
using System.Globalization;
using Grey.Linearizability;
using Grey.Raft;
using Grey.Simulation.Raft;
using Xunit.Abstractions;

namespace Grey.Simulation.Tests.Raft;

public sealed class RaftSimulationTests(ITestOutputHelper output)
{
    /// <summary>The seeds CI runs with every fault on.</summary>
    private const int CiSeeds = 300;

    /// <summary>Seeds a sabotage test may try before it must have found the broken rule.</summary>
    private const int SabotageSeedBudget = 150;

    private static readonly string[] SafetyInvariants =
        ["election-safety", "log-matching", "leader-completeness", "state-machine-safety", "commit-durability", "linearizability"];

    [Fact]
    public void Run_Seeds1To300AllFaults_NoViolationAndDecidedHistories()
    {
        var failures = new List<string>();
        long elections = 0;
        int longest = 0;
        ulong longestSeed = 0;
        var watch = Stopwatch.StartNew();
        for (ulong seed = 1; seed <= CiSeeds; seed++)
        {
            var result = RaftSimulation.RunSeed(new RaftSimulationOptions { Seed = seed });
            elections += result.Elections;
            if (result.HistoryOperations > longest)
            {
                longest = result.HistoryOperations;
                longestSeed = seed;
            }

            if (!result.Passed)
            {
                failures.Add($"seed={seed} {result.Violation}\n  {string.Join("\n  ", result.RecentTrace.TakeLast(20))}");
            }
        }

        watch.Stop();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"seeds 1-{CiSeeds}, all faults: {CiSeeds / watch.Elapsed.TotalSeconds:0.00} seeds/s, {elections} elections, longest history {longest} ops (seed={longestSeed})"));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData(FaultProfile.None)]
    [InlineData(FaultProfile.Net)]
    [InlineData(FaultProfile.Crash)]
    internal void Run_EachFaultProfileFiveNodes_Passes(FaultProfile profile)
    {
        for (ulong seed = 1; seed <= 10; seed++)
        {
            var result = RaftSimulation.RunSeed(new RaftSimulationOptions { Seed = seed, Nodes = 5, Faults = profile, MaxSteps = 20_000 });
            Assert.True(result.Passed, $"seed={seed} faults={profile}: {result.Violation}");
            Assert.True(result.Commits > 50, $"seed={seed}: only {result.Commits} entries committed");
        }
    }

    [Fact]
    public void Run_SameSeedTwice_IdenticalTraceAndHistory()
    {
        var a = new RaftSimulation(new RaftSimulationOptions { Seed = 77 });
        var b = new RaftSimulation(new RaftSimulationOptions { Seed = 77 });
        var ra = a.Run();
        var rb = b.Run();

        output.WriteLine($"seed=77 trace hash {ra.TraceHash:x16}, {ra.Steps} steps");
        Assert.Equal(ra.TraceHash, rb.TraceHash);
        Assert.Equal(ra.Steps, rb.Steps);
        Assert.Equal(a.History, b.History);
        Assert.Equal(ra.RecentTrace, rb.RecentTrace);
    }

    [Fact]
    public void Run_DifferentSeeds_DifferentTraces()
    {
        var hashes = Enumerable.Range(1, 5).Select(s => RaftSimulation.RunSeed(new RaftSimulationOptions { Seed = (ulong)s, MaxSteps = 5000 }).TraceHash);
        Assert.Equal(5, hashes.Distinct().Count());
    }

    [Fact]
    public void Run_AllFaults_InjectsEveryKindOfFault()
    {
        var results = Enumerable.Range(1, 20).Select(s => RaftSimulation.RunSeed(new RaftSimulationOptions { Seed = (ulong)s })).ToList();
        foreach (var r in results)
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"seed={r.Seed}: steps {r.Steps}, {r.VirtualTime.TotalSeconds:0.0}s virtual, elections {r.Elections}, commits {r.Commits}, ops {r.HistoryOperations} ({r.UnknownOperations} unknown), crashes {r.Crashes}, torn {r.TornWrites} (cut {r.TornTailsCut}), snapshots installed {r.SnapshotsInstalled}, partitions {r.Partitions}, membership {r.MembershipChanges}, transfers {r.Transfers}, sent {r.MessagesSent}, lost {r.MessagesDropped}, states {r.StatesExplored}"));
        }

        Assert.All(results, r => Assert.True(r.Passed, $"seed={r.Seed}: {r.Violation}"));

        // Faults must not stall the group: every run keeps committing and answering clients.
        Assert.All(results, r => Assert.True(r.Commits > 100 && r.HistoryOperations > 200, $"seed={r.Seed}: only {r.Commits} commits, {r.HistoryOperations} operations"));
        Assert.True(results.Sum(r => r.Crashes) > 20);
        Assert.True(results.Sum(r => r.TornWrites) > 5);
        Assert.True(results.Sum(r => r.TornTailsCut) > 5, "restarts should find and cut torn WAL tails");
        Assert.True(results.Sum(r => r.SnapshotsInstalled) > 0, "some follower should need a snapshot");
        Assert.True(results.Sum(r => r.Partitions) > 20);
        Assert.True(results.Sum(r => r.MembershipChanges) > 10);
        Assert.True(results.Sum(r => r.Transfers) > 5);
        Assert.True(results.Sum(r => r.MessagesDropped) > 1000);
        Assert.True(results.Average(r => r.Elections) >= 4, "a run should see several elections");
        Assert.True(results.Sum(r => r.UnknownOperations) > 0, "some operations should end with an unknown outcome");
    }

    [Theory]
    [InlineData(RaftSabotage.GrantTwoVotesPerTerm)]
    [InlineData(RaftSabotage.SkipLogUpToDateCheck)]
    [InlineData(RaftSabotage.CommitPreviousTermByCount)]
    [InlineData(RaftSabotage.ReadIndexWithoutQuorum)]
    internal void Run_RaftSabotage_IsFoundWithinTheSeedBudget(RaftSabotage sabotage)
    {
        var found = FindViolation(seed => new RaftSimulationOptions { Seed = seed, RaftSabotage = sabotage });
        Assert.True(found is not null, $"{sabotage}: no violation in seeds 1-{SabotageSeedBudget}");
        output.WriteLine($"{sabotage}: found at seed={found.Seed}: {found.Violation}");
        Assert.Contains(found.Violation!.Invariant, SafetyInvariants);
    }

    [Fact]
    public void Run_StaleLocalReadSabotage_IsFoundByTheLinearizabilityCheck()
    {
        var found = FindViolation(seed => new RaftSimulationOptions { Seed = seed, Sabotage = SimulationSabotage.StaleLocalRead });
        Assert.True(found is not null, $"stale local reads: no violation in seeds 1-{SabotageSeedBudget}");
        output.WriteLine($"StaleLocalRead: found at seed={found.Seed}: {found.Violation}");
        Assert.Equal("linearizability", found.Violation!.Invariant);
        Assert.Equal(Verdict.NotLinearizable, found.Verdict);
    }

    [Fact]
    public void Run_FailingSeed_ReplaysTheSameViolationAndTrace()
    {
        var options = FindViolation(seed => new RaftSimulationOptions { Seed = seed, Sabotage = SimulationSabotage.StaleLocalRead })!;
        var again = RaftSimulation.RunSeed(new RaftSimulationOptions { Seed = options.Seed, Sabotage = SimulationSabotage.StaleLocalRead });
        Assert.Equal(options.Violation, again.Violation);
        Assert.Equal(options.TraceHash, again.TraceHash);
        Assert.Contains(again.RecentTrace, line => line.Contains("VIOLATION", StringComparison.Ordinal));
    }

    private SimulationResult? FindViolation(Func<ulong, RaftSimulationOptions> options)
    {
        for (ulong seed = 1; seed <= SabotageSeedBudget; seed++)
        {
            var result = RaftSimulation.RunSeed(options(seed));
            if (!result.Passed)
            {
                return result;
            }
        }

        return null;
    }
}
