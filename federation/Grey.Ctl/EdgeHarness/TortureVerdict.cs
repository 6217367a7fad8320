using Grey.Ctl.Cli;
using Grey.Linearizability;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// The end of a torture run: the lost writes and the linearizability verdict of the history, and the exit
/// code they give (0 only when nothing was lost and the history is linearizable; an undecided history
/// exits 1 like a violation, because a run that proves nothing must not pass).
/// </summary>
internal sealed record TortureVerdict(IReadOnlyList<LostWrite> Lost, CheckResult Linearizability, string? Failure)
{
    public int ExitCode => Lost.Count == 0 && Linearizability.Verdict == Verdict.Linearizable && Failure is null
        ? ExitCodes.Ok
        : ExitCodes.CheckFailed;

    /// <summary>Judges a finished run. <paramref name="failure"/> names a run that broke down (a node that never recovered).</summary>
    public static TortureVerdict Judge(
        IReadOnlyList<HistoryOperation> history,
        IReadOnlyDictionary<string, long?> finalValues,
        CheckerOptions checkerOptions,
        string? failure = null)
    {
        IReadOnlyList<LostWrite> lost = AcknowledgedWriteCheck.Check(history, finalValues);
        CheckResult check = LinearizabilityChecker.Check(history, ModelKind.Kv, checkerOptions);
        return new TortureVerdict(lost, check, failure);
    }
}
