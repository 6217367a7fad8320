using Grey.Simulation.Merge;

namespace Grey.Simulation.Tests.Merge;

public sealed class MergeSimulationTests
{
    [Theory]
    [InlineData(1UL, 3, 3)]
    [InlineData(2UL, 1, 1)]
    [InlineData(3UL, 5, 2)]
    [InlineData(4UL, 2, 4)]
    public void RunSeed_DefaultScenario_EveryRegionConvergesOnDirectApplication(ulong seed, int sites, int regions)
    {
        MergeSimulationResult r = MergeSimulation.RunSeed(new MergeSimulationOptions { Seed = seed, Sites = sites, Regions = regions });
        Assert.True(r.Passed, $"seed {seed}: {r.Failure}");
        Assert.All(r.RegionHashes.Values, h => Assert.Equal(r.ExpectedHash, h));
        Assert.Equal(regions, r.RegionHashes.Count);
    }

    [Fact]
    public void RunSeed_ManySeeds_ExerciseDuplicatesGapsCheckpointsAndViolations()
    {
        // The scenario must actually reach the hard cases, or convergence would prove little.
        long duplicates = 0, gaps = 0, folded = 0, violations = 0, conflicts = 0;
        for (ulong seed = 10; seed < 20; seed++)
        {
            MergeSimulationResult r = MergeSimulation.RunSeed(new MergeSimulationOptions { Seed = seed });
            Assert.True(r.Passed, $"seed {seed}: {r.Failure}");
            duplicates += r.Duplicates;
            gaps += r.Gaps;
            folded += r.Folded;
            violations += r.OwnershipViolations;
            conflicts += r.Conflicts;
        }

        Assert.True(duplicates > 0 && gaps > 0 && folded > 0 && violations > 0 && conflicts > 0,
            $"duplicates {duplicates}, gaps {gaps}, folded {folded}, violations {violations}, conflicts {conflicts}");
    }

    [Fact]
    public void RunSeed_SameSeedTwice_SameRun()
    {
        var a = MergeSimulation.RunSeed(new MergeSimulationOptions { Seed = 42 });
        var b = MergeSimulation.RunSeed(new MergeSimulationOptions { Seed = 42 });
        Assert.Equal(a.ExpectedHash, b.ExpectedHash);
        Assert.Equal((a.SignedDeltas, a.Deliveries, a.Duplicates, a.Gaps, a.Folded), (b.SignedDeltas, b.Deliveries, b.Duplicates, b.Gaps, b.Folded));
    }

    [Fact]
    public void RunSeed_RegionDiverges_ReportsFailureNamingTheRegion()
    {
        MergeSimulationResult r = MergeSimulation.RunSeed(new MergeSimulationOptions { Seed = 5, InjectDivergence = true });
        Assert.False(r.Passed);
        Assert.Contains("region r0", r.Failure, StringComparison.Ordinal);
        Assert.Contains("differs from the direct application", r.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void RunSeed_InvalidOptions_ThrowsWithEveryError()
    {
        var e = Assert.Throws<ArgumentException>(() => MergeSimulation.RunSeed(new MergeSimulationOptions { Sites = 0, Regions = 99 }));
        Assert.Contains("sites", e.Message, StringComparison.Ordinal);
        Assert.Contains("regions", e.Message, StringComparison.Ordinal);
    }
}
