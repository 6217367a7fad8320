namespace Grey.Edge.Storage;

/// <summary>What a compaction did.</summary>
/// <param name="Requested">The index the caller asked to compact through.</param>
/// <param name="CompactedThrough">The floor after compaction (entries at or below it are gone).</param>
/// <param name="Override">
/// Set when entries still needed by the retention hook were discarded because the budget ran out; the hook's
/// <see cref="ILogRetention.Discarded"/> was called.
/// </param>
internal readonly record struct CompactionResult(ulong Requested, ulong CompactedThrough, RetentionOverride Override)
{
    /// <summary>True when the retention hook held compaction below the requested index.</summary>
    public bool HeldBack => CompactedThrough < Requested;
}
