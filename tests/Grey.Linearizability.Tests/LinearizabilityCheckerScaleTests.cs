using System.Diagnostics;
using Xunit.Abstractions;

namespace Grey.Linearizability.Tests;

/// <summary>Long histories: the checker decides them in well under a second, or says it cannot.</summary>
public sealed class LinearizabilityCheckerScaleTests(ITestOutputHelper output)
{
    private const int Seed = 20261126;

    [Theory]
    [InlineData(1, 2000)]
    [InlineData(4, 20000)]
    public void Check_LongLinearizableHistoryWithTimeouts_IsLinearizable(int keys, int operations)
    {
        List<HistoryOperation> history = LongHistories.Generate(Seed, keys, operations, clients: 10, timeoutPercent: 5);
        var watch = Stopwatch.StartNew();
        CheckResult result = LinearizabilityChecker.Check(history, ModelKind.Kv);
        output.WriteLine($"seed={Seed}: {operations} ops on {keys} keys: {result.Verdict} in {watch.ElapsedMilliseconds} ms, {result.StatesExplored} states");
        Assert.Equal(Verdict.Linearizable, result.Verdict);
    }

    [Fact]
    public void Check_LongHistoryWithLateViolation_IsNotLinearizable()
    {
        // Without timeouts, refuting a read near the end explores the frontier of the whole history.
        List<HistoryOperation> history = LongHistories.Generate(Seed, keys: 1, operations: 1000, clients: 10, timeoutPercent: 0);
        int victim = LongHistories.CorruptRead(history, 900);
        var watch = Stopwatch.StartNew();
        CheckResult result = LinearizabilityChecker.Check(history, ModelKind.Kv);
        output.WriteLine($"seed={Seed}: read #{victim} of 1000 corrupted: {result.Verdict} in {watch.ElapsedMilliseconds} ms, {result.StatesExplored} states");
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Contains("read -> -1", result.Detail, StringComparison.Ordinal);
    }
}
