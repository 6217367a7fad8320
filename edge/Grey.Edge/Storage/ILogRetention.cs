namespace Grey.Edge.Storage;

/// <summary>
/// Implemented by whatever still needs log entries after Raft is done with them: the outbox (a later issue)
/// keeps every data entry until the home region has acknowledged it. Compaction never discards an entry at
/// or above <see cref="LowestIndexNeeded"/> unless the retention budget (<see cref="RetentionBudget"/>) is
/// exhausted, in which case it calls <see cref="Discarded"/> so the consumer can fold what it lost into a
/// checkpoint. Called on the storage's caller thread, under its lock: implementations must be quick and
/// must not call back into the storage.
/// </summary>
internal interface ILogRetention
{
    /// <summary>The lowest log index still needed; <see cref="ulong.MaxValue"/> when nothing is needed.</summary>
    ulong LowestIndexNeeded();

    /// <summary>Entries through <paramref name="throughIndex"/> were discarded although still needed, because of <paramref name="reason"/>.</summary>
    void Discarded(ulong throughIndex, RetentionOverride reason);
}
