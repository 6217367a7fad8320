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
        CorpusRun cold = RunCorpus(verdicts, mismatches);

        // The first pass pays for JIT compilation; a second shows the checker's own cost.
        CorpusRun warm = RunCorpus(verdicts, []);
        output.WriteLine(
            $"Jepsen etcd corpus: {verdicts.Count} histories (parse + check) in {cold.Total.TotalMilliseconds:F0} ms "
            + $"(second pass {warm.Total.TotalMilliseconds:F0} ms), {cold.States} states explored; "
            + $"slowest check {warm.SlowestFile} at {warm.SlowestTime.TotalMilliseconds:F1} ms (second pass), "
            + $"most states {cold.HardestFile} ({cold.HardestStates})");
        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
    }

    private static CorpusRun RunCorpus(IReadOnlyList<(string File, Verdict Verdict)> verdicts, List<string> mismatches)
    {
        var run = new CorpusRun();
        var total = Stopwatch.StartNew();
        foreach ((string file, Verdict expected) in verdicts)
        {
            IReadOnlyList<HistoryOperation> history = JepsenCorpus.Load(file);
            var one = Stopwatch.StartNew();
            CheckResult result = LinearizabilityChecker.Check(history, ModelKind.Register);
            one.Stop();
            run.States += result.StatesExplored;
            if (one.Elapsed > run.SlowestTime)
            {
                (run.SlowestFile, run.SlowestTime) = (file, one.Elapsed);
            }

            if (result.StatesExplored > run.HardestStates)
            {
                (run.HardestFile, run.HardestStates) = (file, result.StatesExplored);
            }

            if (result.Verdict != expected)
            {
                mismatches.Add($"{file}: expected {expected}, got {result.Verdict} ({result.Detail})");
            }
        }

        run.Total = total.Elapsed;
        return run;
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

    private sealed class CorpusRun
    {
        public TimeSpan Total { get; set; }

        public long States { get; set; }

        public string SlowestFile { get; set; } = string.Empty;

        public TimeSpan SlowestTime { get; set; }

        public string HardestFile { get; set; } = string.Empty;

        public long HardestStates { get; set; }
    }
}
