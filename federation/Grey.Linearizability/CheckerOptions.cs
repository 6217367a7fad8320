namespace Grey.Linearizability;

/// <summary>
/// Budgets of one check. When a budget runs out the verdict is <see cref="Verdict.Unknown"/>, never
/// <see cref="Verdict.Linearizable"/>.
/// </summary>
public sealed record CheckerOptions
{
    /// <summary>
    /// The default of <see cref="MaxStatesPerKey"/>: enough for every Jepsen etcd history by a wide margin,
    /// while the memo table of one key stays within a few hundred megabytes for histories of a few
    /// thousand operations per key (each state keeps one bit per operation of its key).
    /// </summary>
    public const long DefaultMaxStatesPerKey = 2_000_000;

    /// <summary>
    /// The most distinct (linearized set, model state) pairs the search may explore for one key before it
    /// gives up on that key with <see cref="Verdict.Unknown"/>. Must be at least 1.
    /// </summary>
    public long MaxStatesPerKey { get; init; } = DefaultMaxStatesPerKey;

    /// <summary>
    /// The default of <see cref="MaxMemoBytesPerKey"/>: 512 MiB, so that a long, hard history gives
    /// <see cref="Verdict.Unknown"/> instead of exhausting the memory of a CI machine.
    /// </summary>
    public const long DefaultMaxMemoBytesPerKey = 512L * 1024 * 1024;

    /// <summary>
    /// The most memory the memo table of one key may take (estimated: each state keeps one bit per operation
    /// of its key plus about 90 bytes of bookkeeping) before the search gives up on that key with
    /// <see cref="Verdict.Unknown"/>. Must be at least 1.
    /// </summary>
    public long MaxMemoBytesPerKey { get; init; } = DefaultMaxMemoBytesPerKey;

    /// <summary>
    /// The clock that <see cref="Budget"/> is measured with; <see cref="TimeProvider.System"/> when null.
    /// </summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>
    /// The longest the whole check may take (all keys together), or null for no time limit (the state
    /// budget still applies). Must be positive when set.
    /// </summary>
    public TimeSpan? Budget { get; init; }
}
