using Grey.Linearizability.Checking;
using Grey.Linearizability.Tests.Checking;
using Xunit.Abstractions;
using static Grey.Linearizability.Tests.Ops;

namespace Grey.Linearizability.Tests;

/// <summary>
/// Shows that the corpus test can fail: the same checker with a broken model gets known verdicts wrong.
/// </summary>
public sealed class LinearizabilityCheckerSabotageTests(ITestOutputHelper output)
{
    [Fact]
    public void Check_ModelAcceptingAnyRead_AcceptsKnownViolations()
    {
        var broken = new BrokenModels.AcceptAnyRead();
        HistoryOperation[] stale = [Write(0, 1, 0, 1), Write(1, 2, 2, 3), Read(2, 1, 4, 5)];
        Assert.Equal(Verdict.NotLinearizable, LinearizabilityChecker.Check(stale, ModelKind.Register).Verdict);
        Assert.Equal(Verdict.Linearizable, LinearizabilityChecker.Check(stale, ModelKind.Register, broken, null, default).Verdict);

        int wrong = CountWrongVerdicts(broken, out List<string> files);
        output.WriteLine($"A model that accepts any read gets {wrong} of {JepsenCorpus.ExpectedCount} corpus verdicts wrong: {string.Join(", ", files.Take(10))}...");
        Assert.Contains("etcd_000.log", files);
        Assert.True(wrong >= 10, $"only {wrong} verdicts changed");
    }

    [Fact]
    public void Check_FailedCasReadAsUnknownOutcome_GetsCorpusVerdictsWrong()
    {
        // The corpus README warns that a failed cas must be read as "did not swap, saw another value";
        // a reader that took it for an unknown outcome (it may have swapped) would pass violations.
        var files = new List<string>();
        foreach ((string file, Verdict expected) in JepsenCorpus.Verdicts())
        {
            List<HistoryOperation> misread = [.. JepsenCorpus.Load(file).Select(
                op => op.Kind == OperationKind.Cas && !op.Ok && !op.IsUnknown ? op with { ReturnTime = null } : op)];
            if (LinearizabilityChecker.Check(misread, ModelKind.Register).Verdict != expected)
            {
                files.Add(file);
            }
        }

        output.WriteLine($"Reading a failed cas as an unknown outcome gets {files.Count} corpus verdicts wrong: {string.Join(", ", files)}");
        Assert.NotEmpty(files);
    }

    private static int CountWrongVerdicts(IRegisterModel model, out List<string> files)
    {
        files = [];
        foreach ((string file, Verdict expected) in JepsenCorpus.Verdicts())
        {
            CheckResult result = LinearizabilityChecker.Check(JepsenCorpus.Load(file), ModelKind.Register, model, null, default);
            if (result.Verdict != expected)
            {
                files.Add(file);
            }
        }

        return files.Count;
    }
}
