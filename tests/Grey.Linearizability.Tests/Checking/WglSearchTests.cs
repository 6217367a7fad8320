using Grey.Linearizability.Checking;
using Xunit.Abstractions;

namespace Grey.Linearizability.Tests.Checking;

public sealed class WglSearchTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20261126;
    private const int DefaultHistories = 3000;

    /// <summary>
    /// The search prunes hard (memo, domination, rules for unknown operations); a checker by definition
    /// that shares none of that must agree with it on every small history, also when most operations
    /// timed out. GREY_TEST_HISTORIES runs more histories (a long run is in docs/LINCHECK.md).
    /// </summary>
    [Theory]
    [InlineData(ModelKind.Register, 8, 12)]
    [InlineData(ModelKind.Kv, 7, 12)]
    [InlineData(ModelKind.Register, 8, 45)]
    [InlineData(ModelKind.Kv, 8, 45)]
    public void Run_RandomSmallHistories_AgreesWithBruteForce(ModelKind model, int maxOps, int unknownPercent)
    {
        int histories = int.TryParse(Environment.GetEnvironmentVariable("GREY_TEST_HISTORIES"), out int h) ? h : DefaultHistories;
        int seed = SeedFromEnvironment();
        output.WriteLine($"seed={seed} (set GREY_TEST_SEED to replay another)");
        var random = new Random(seed);
        string[] keys = model == ModelKind.Kv ? ["a", "b"] : ["a"];
        int linearizable = 0;
        int violations = 0;
        for (int i = 0; i < histories; i++)
        {
            List<HistoryOperation> history = RandomHistories.Generate(random, maxOps, keys, unknownPercent);
            bool expected = BruteForceChecker.IsLinearizable(history, model);
            CheckResult result = LinearizabilityChecker.Check(history, model);
            Assert.True(
                result.Verdict == (expected ? Verdict.Linearizable : Verdict.NotLinearizable),
                $"seed={seed} history #{i}: brute force says {(expected ? "linearizable" : "not")}, checker says {result.Verdict}:{Environment.NewLine}"
                + string.Join(Environment.NewLine, history));
            if (expected)
            {
                linearizable++;
            }
            else
            {
                violations++;
            }
        }

        output.WriteLine($"{linearizable} linearizable, {violations} not, all agreeing with brute force");

        // The comparison means something only if both verdicts occur often.
        Assert.True(linearizable > histories / 10 && violations > histories / 10, $"{linearizable} vs {violations}");
    }

    [Fact]
    public void Run_OnlyUnknownOperations_IsLinearizableWithoutSearching()
    {
        HistoryOperation[] history = [Ops.Write(0, 1, 0, null), Ops.Cas(1, 1, 2, true, 0, null)];
        SearchOutcome outcome = WglSearch.Run(history, RegisterModel.Instance, 10, Deadline.None, default);
        Assert.Equal(Verdict.Linearizable, outcome.Verdict);
        Assert.Equal(0, outcome.StatesExplored);
    }

    [Fact]
    public void Run_Violation_DetailNamesTheStuckOperation()
    {
        HistoryOperation[] history = [Ops.Write(0, 1, 0, 1), Ops.Read(3, 4, 2, 3)];
        SearchOutcome outcome = WglSearch.Run(history, RegisterModel.Instance, 10, Deadline.None, default);
        Assert.Equal(Verdict.NotLinearizable, outcome.Verdict);
        Assert.Contains("client 3 read -> 4 (called at 2, returned at 3) could not be placed", outcome.Detail, StringComparison.Ordinal);
    }

    internal static int SeedFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("GREY_TEST_SEED"), out int seed) ? seed : DefaultSeed;
}
