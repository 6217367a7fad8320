namespace Grey.Edge.Outbox;

/// <summary>
/// Limits of the outbox journal (docs/OUTBOX.md). Immutable; documented defaults; <see cref="Validate"/> lists
/// every problem at once.
/// </summary>
internal sealed record OutboxJournalOptions
{
    /// <summary>The largest <see cref="SegmentBytes"/> accepted: 1 GiB.</summary>
    public const long MaxSegmentBytes = 1024L * 1024 * 1024;

    /// <summary>A segment is closed and a new one started past this size (default 4 MiB).</summary>
    public long SegmentBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>
    /// The outbox budget in journal bytes not yet acknowledged (default 64 MiB). Past it the journal folds: it
    /// drops its entries and the leader ships a checkpoint delta of the whole site state instead.
    /// </summary>
    public long BudgetBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The outbox budget in age of the oldest unacknowledged entry (default 7 days); past it the journal folds.</summary>
    public TimeSpan BudgetAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Test-only sabotage: when false the journal is NOT fsynced before a snapshot is persisted, which breaks the
    /// durability rule (a crash can then lose entries that neither the journal nor the compacted log holds). The
    /// sabotage test shows the gap check detects it. Always true in the product.
    /// </summary>
    internal bool SyncBeforeSnapshot { get; init; } = true;

    /// <summary>Lists every problem.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (SegmentBytes < 64 * 1024 || SegmentBytes > MaxSegmentBytes)
        {
            errors.Add("journal segment bytes must be between 64 KiB and 1 GiB");
        }

        if (BudgetBytes < OutboxJournal.MaxRecordBytes)
        {
            errors.Add($"outbox budget bytes must be at least {OutboxJournal.MaxRecordBytes}");
        }

        if (BudgetAge <= TimeSpan.Zero)
        {
            errors.Add("outbox budget age must be positive");
        }

        return errors;
    }
}
