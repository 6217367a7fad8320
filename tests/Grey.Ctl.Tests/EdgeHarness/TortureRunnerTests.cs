using Grey.Ctl.EdgeHarness;
using Xunit.Abstractions;

namespace Grey.Ctl.Tests.EdgeHarness;

/// <summary>
/// The whole torture run (real processes, SIGKILL, proxies, clients, final reads, verdict) against a stand-in
/// site (<c>FakeEdge/fake-grey-edge.py</c>: every node serves one shared, locked log file, so it is
/// linearizable and durable), so the harness is tested apart from grey-edge. Its sabotage mode acknowledges
/// every tenth write without storing it, and the run must then fail.
/// </summary>
public sealed class TortureRunnerTests(ITestOutputHelper output)
{
    private static string FakeEdge()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Grey.slnx")))
            {
                return Path.Combine(dir.FullName, "tests", "Grey.Ctl.Tests", "EdgeHarness", "FakeEdge", "fake-grey-edge.py");
            }
        }

        throw new DirectoryNotFoundException("No folder holding Grey.slnx above the test binaries.");
    }

    private async Task<TortureReport> RunAsync(EdgeCommandLine edge, int rounds, ulong seed)
    {
        output.WriteLine($"seed={seed}");
        var progress = new StringWriter();
        var options = new TortureOptions { Seed = seed, Rounds = rounds, MaxFault = TimeSpan.FromSeconds(1), Settle = TimeSpan.FromMilliseconds(500) };
        TortureReport report = await new TortureRunner(edge, options, TimeProvider.System, progress).RunAsync(CancellationToken.None);
        output.WriteLine(progress.ToString());
        output.WriteLine(report.Verdict.Linearizability.Detail);
        return report;
    }

    [Fact]
    public async Task RunAsync_CorrectSite_EveryFaultKind_Passes()
    {
        int rounds = Enum.GetValues<TortureFault>().Length;
        TortureReport report = await RunAsync(new EdgeCommandLine(FakeEdge(), []), rounds, seed: 11);
        Assert.Equal(rounds, report.Rounds.Count);
        Assert.Null(report.Verdict.Failure);
        Assert.Empty(report.Verdict.Lost);
        Assert.Equal(Grey.Linearizability.Verdict.Linearizable, report.Verdict.Linearizability.Verdict);
        Assert.True(report.AcknowledgedWrites > 50, $"only {report.AcknowledgedWrites} acknowledged writes");
        Assert.Equal(3, report.FinalValues.Count);
        Assert.Equal(0, report.Verdict.ExitCode);
    }

    [Fact]
    public async Task RunAsync_SiteThatAcknowledgesWritesItNeverStores_Fails()
    {
        var sabotaged = new EdgeCommandLine("/usr/bin/env", ["FAKE_EDGE_SABOTAGE=drop", FakeEdge()]);
        TortureReport report = await RunAsync(sabotaged, rounds: 1, seed: 1);
        Assert.True(
            report.Verdict.Lost.Count > 0 || report.Verdict.Linearizability.Verdict == Grey.Linearizability.Verdict.NotLinearizable,
            "the dropped writes went unnoticed");
        Assert.Equal(1, report.Verdict.ExitCode);
    }
}
