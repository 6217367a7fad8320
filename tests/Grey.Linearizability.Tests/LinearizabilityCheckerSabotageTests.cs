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
    public void Check_ModelLettingFailedCasSwap_GetsCorpusVerdictsWrong()
    {
        int wrong = CountWrongVerdicts(new BrokenModels.FailedCasMayHaveSwapped(), out List<string> files);
        output.WriteLine($"A model where a failed cas may have swapped gets {wrong} corpus verdicts wrong: {string.Join(", ", files)}");

        // In etcd_020 a failed cas that is allowed to swap invents the linearization the real history lacks.
        Assert.Contains("etcd_020.log", files);
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
