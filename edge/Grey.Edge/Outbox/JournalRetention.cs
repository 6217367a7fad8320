using Grey.Edge.Storage;

namespace Grey.Edge.Outbox;

/// <summary>
/// The storage's retention hook: the Raft log may be compacted only through what the journal holds durably
/// (its durable index + 1 is the lowest index still needed), so entries lost from the journal's unsynced tail in a
/// crash are always replayed from the log. Quick and lock-free, as <see cref="ILogRetention"/> requires.
/// </summary>
internal sealed class JournalRetention(OutboxJournal journal) : ILogRetention
{
    /// <inheritdoc/>
    public ulong LowestIndexNeeded() => journal.DurableThrough == ulong.MaxValue ? ulong.MaxValue : journal.DurableThrough + 1;

    /// <inheritdoc/>
    public void Discarded(ulong throughIndex, RetentionOverride reason) => journal.Discarded();
}
