using System.Diagnostics;
using Xunit.Abstractions;

namespace Grey.Linearizability.Tests;

/// <summary>The checker against the 102 Jepsen etcd histories whose verdicts porcupine and knossos agree on.</summary>
public sealed class LinearizabilityCheckerCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void Check_JepsenEtcdCorpus_MatchesAll102KnownVerdicts()
    {
        IReadOnlyList<(string File, Verdict Verdict)> verdicts = JepsenCorpus.Verdicts();
        Assert.Equal(JepsenCorpus.ExpectedCount, verdicts.Count);

        var mismatches = new List<string>();
        var total = Stopwatch.StartNew();
        (string File, TimeSpan Time, long States) slowest = (string.Empty, TimeSpan.Zero, 0);
        long allStates = 0;
        foreach ((string file, Verdict expected) in verdicts)
        {
            IReadOnlyList<HistoryOperation> history = JepsenCorpus.Load(file);
            var one = Stopwatch.StartNew();
            CheckResult result = LinearizabilityChecker.Check(history, ModelKind.Register);
            one.Stop();
            allStates += result.StatesExplored;
            if (one.Elapsed > slowest.Time)
            {
                slowest = (file, one.Elapsed, result.StatesExplored);
            }

            if (result.Verdict != expected)
            {
                mismatches.Add($"{file}: expected {expected}, got {result.Verdict} ({result.Detail})");
            }
        }

        total.Stop();
        output.WriteLine(
            $"Jepsen etcd corpus: {verdicts.Count} histories (parse + check) in {total.Elapsed.TotalMilliseconds:F0} ms, "
            + $"{allStates} states explored; slowest check {slowest.File} at {slowest.Time.TotalMilliseconds:F1} ms "
            + $"({slowest.States} states)");
        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
    }

    [Fact]
    public void Check_JepsenEtcdCorpusAsKv_MatchesAll102KnownVerdicts()
    {
        // A Jepsen log is one key, so the key-value model must agree with the register model on all of it.
        var mismatches = new List<string>();
        foreach ((string file, Verdict expected) in JepsenCorpus.Verdicts())
        {
            CheckResult result = LinearizabilityChecker.Check(JepsenCorpus.Load(file), ModelKind.Kv);
            if (result.Verdict != expected)
            {
                mismatches.Add($"{file}: expected {expected}, got {result.Verdict}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
    }
}
