using Grey.Federation.Merge;

namespace Grey.Region.Desired;

/// <summary>
/// Limits and intervals of desired-state delivery (docs/REGION.md, "Desired state"), with documented defaults;
/// <see cref="Validate"/> reports every problem at once.
/// </summary>
public sealed record DesiredOptions
{
    /// <summary>
    /// Most changes sent to one site in one round (the oldest pending first). Default 64: a site that was offline
    /// for a long time catches up in rounds, and one such site cannot flood the broker or the others' turn.
    /// </summary>
    public int MaxChangesPerRound { get; init; } = 64;

    /// <summary>
    /// A site with pending changes gets them again after this long without a sign that it applied them (the edge
    /// drops duplicates, so a resend is harmless). Default 10 s, twice the sites' 5 s status report interval.
    /// </summary>
    public TimeSpan ResendInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Least time between two rounds for one site started by its status reports, so every report of a site that is
    /// slow to apply does not resend the same changes. Default 2 s.
    /// </summary>
    public TimeSpan MinReportResendGap { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Most changes a region issues over its life (they are all kept: the ledger needs them to replay and merge
    /// the desired writes they cause). Default <see cref="DesiredChangeLedger.MaxChanges"/>; beyond it a PUT is refused.
    /// </summary>
    public int MaxIssuedChanges { get; init; } = DesiredChangeLedger.MaxChanges;

    /// <summary>Returns every problem at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxChangesPerRound < 1 || MaxChangesPerRound > 10_000)
        {
            errors.Add($"MaxChangesPerRound must be within 1..10000, was {MaxChangesPerRound}");
        }

        if (ResendInterval <= TimeSpan.Zero)
        {
            errors.Add($"ResendInterval must be positive, was {ResendInterval}");
        }

        if (MinReportResendGap < TimeSpan.Zero)
        {
            errors.Add($"MinReportResendGap must not be negative, was {MinReportResendGap}");
        }

        if (MaxIssuedChanges < 1 || MaxIssuedChanges > DesiredChangeLedger.MaxChanges)
        {
            errors.Add($"MaxIssuedChanges must be within 1..{DesiredChangeLedger.MaxChanges}, was {MaxIssuedChanges}");
        }

        return errors;
    }
}
