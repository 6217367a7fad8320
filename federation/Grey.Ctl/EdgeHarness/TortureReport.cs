using Grey.Linearizability;

namespace Grey.Ctl.EdgeHarness;

/// <summary>What a torture run did and found.</summary>
internal sealed record TortureReport(
    TortureOptions Options,
    IReadOnlyList<string> Rounds,
    IReadOnlyList<HistoryOperation> History,
    IReadOnlyDictionary<string, long?> FinalValues,
    TortureVerdict Verdict)
{
    public int AcknowledgedWrites => History.Count(o => o.Kind != OperationKind.Read && o.Ok && o.ReturnTime is not null);

    public int UnknownOutcomes => History.Count(o => o.ReturnTime is null);
}
