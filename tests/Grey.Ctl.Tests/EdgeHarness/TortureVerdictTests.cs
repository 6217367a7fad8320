using Grey.Ctl.EdgeHarness;
using Grey.Linearizability;

namespace Grey.Ctl.Tests.EdgeHarness;

/// <summary>
/// The torture run's final judgement on hand-made histories: a lost write and a non-linearizable history
/// must each fail the run (exit 1), an undecided one too, and only a clean one passes.
/// </summary>
public sealed class TortureVerdictTests
{
    private static readonly CheckerOptions Options = new() { Budget = TimeSpan.FromSeconds(30) };

    private static HistoryOperation W(int client, string key, long value, long call, long? ret) =>
        new(client, key, OperationKind.Write, value, null, null, true, call, ret);

    private static HistoryOperation R(int client, string key, long? value, long call, long ret) =>
        new(client, key, OperationKind.Read, null, null, value, true, call, ret);

    [Fact]
    public void Judge_CleanHistory_ExitsZero()
    {
        HistoryOperation[] h = [W(0, "k", 1, 0, 10), R(1, "k", 1, 20, 30), W(0, "k", 2, 40, 50), R(2, "k", 2, 60, 70)];
        TortureVerdict v = TortureVerdict.Judge(h, new Dictionary<string, long?> { ["k"] = 2 }, Options);
        Assert.Equal(Verdict.Linearizable, v.Linearizability.Verdict);
        Assert.Empty(v.Lost);
        Assert.Equal(0, v.ExitCode);
    }

    [Fact]
    public void Judge_StaleRead_IsNotLinearizableAndExitsOne()
    {
        // A read after write 2 returned still sees 1: what a leader serving reads without ReadIndex after
        // a partition deposed it produces.
        HistoryOperation[] h = [W(0, "k", 1, 0, 10), W(0, "k", 2, 20, 30), R(1, "k", 1, 40, 50)];
        TortureVerdict v = TortureVerdict.Judge(h, new Dictionary<string, long?> { ["k"] = 2 }, Options);
        Assert.Equal(Verdict.NotLinearizable, v.Linearizability.Verdict);
        Assert.Equal("k", v.Linearizability.Key);
        Assert.Empty(v.Lost);
        Assert.Equal(1, v.ExitCode);
    }

    [Fact]
    public void Judge_LostWrite_ExitsOneEvenIfTheHistoryAloneIsLinearizable()
    {
        // No read saw the loss during the run; only the final read does.
        HistoryOperation[] h = [W(0, "k", 1, 0, 10), W(1, "k", 2, 20, 30)];
        TortureVerdict v = TortureVerdict.Judge(h, new Dictionary<string, long?> { ["k"] = 1 }, Options);
        Assert.Equal(Verdict.Linearizable, v.Linearizability.Verdict);
        Assert.Single(v.Lost);
        Assert.Equal(1, v.ExitCode);
    }

    [Fact]
    public void Judge_UndecidedHistory_ExitsOne()
    {
        HistoryOperation[] h = [W(0, "k", 1, 0, 10), R(1, "k", 1, 20, 30)];
        TortureVerdict v = TortureVerdict.Judge(h, new Dictionary<string, long?> { ["k"] = 1 }, Options with { MaxStatesPerKey = 1 });
        Assert.Equal(Verdict.Unknown, v.Linearizability.Verdict);
        Assert.Equal(1, v.ExitCode);
    }

    [Fact]
    public void Judge_RunThatBrokeDown_ExitsOne()
    {
        HistoryOperation[] h = [W(0, "k", 1, 0, 10)];
        TortureVerdict v = TortureVerdict.Judge(h, new Dictionary<string, long?> { ["k"] = 1 }, Options, failure: "n2 never recovered");
        Assert.Equal(1, v.ExitCode);
    }
}
