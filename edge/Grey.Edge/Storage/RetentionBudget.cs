namespace Grey.Edge.Storage;

/// <summary>
/// How much log the retention hook may hold back from compaction. Beyond it, compaction discards the oldest
/// held entries anyway and reports it (<see cref="ILogRetention.Discarded"/>): the site never stalls or
/// fills its disk because the uplink has been down for a long time (DESIGN G3).
/// </summary>
internal sealed record RetentionBudget
{
    /// <summary>Default <see cref="MaxBytes"/>: 64 MiB of records.</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    /// <summary>Default <see cref="MaxAge"/>: 7 days.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromDays(7);

    /// <summary>
    /// The most record bytes (as written to the WAL) held only because the hook needs them. They stay in
    /// memory as well as on disk, so this also bounds the memory the hook costs.
    /// </summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>
    /// Entries surely older than this are not held for the hook. Age is known to segment granularity: an
    /// entry's record was on disk no later than the creation of the next segment, so an entry is released
    /// only when that lower bound of its age exceeds this (it is never released early).
    /// </summary>
    public TimeSpan MaxAge { get; init; } = DefaultMaxAge;
}
