using Grey.Edge.Storage.Wal;

namespace Grey.Edge.Storage;

/// <summary>
/// The options of a node's durable storage (WAL, snapshots, retention). Immutable, with documented
/// defaults; <see cref="Validate"/> reports every error at once.
/// </summary>
internal sealed record EdgeStorageOptions
{
    /// <summary>Default <see cref="SnapshotsKept"/>.</summary>
    public const int DefaultSnapshotsKept = 2;

    /// <summary>Default <see cref="MaxSnapshotBytes"/>: 256 MiB.</summary>
    public const long DefaultMaxSnapshotBytes = 256L * 1024 * 1024;

    /// <summary>The write-ahead log's limits (segment size, record size, pending operations).</summary>
    public WalOptions Wal { get; init; } = new();

    /// <summary>How many snapshot files are kept; older ones are deleted after each new one.</summary>
    public int SnapshotsKept { get; init; } = DefaultSnapshotsKept;

    /// <summary>The largest snapshot file written or read (a larger one on disk is reported as damaged).</summary>
    public long MaxSnapshotBytes { get; init; } = DefaultMaxSnapshotBytes;

    /// <summary>How much log the retention hook may hold back from compaction.</summary>
    public RetentionBudget Retention { get; init; } = new();

    /// <summary>Every problem with these options, or an empty list.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Wal is null)
        {
            errors.Add($"{nameof(Wal)} is required");
        }
        else
        {
            errors.AddRange(Wal.Validate().Select(e => $"{nameof(Wal)}.{e}"));
        }

        if (SnapshotsKept is < 1 or > 100)
        {
            errors.Add($"{nameof(SnapshotsKept)} must be in [1, 100] (is {SnapshotsKept})");
        }

        if (MaxSnapshotBytes < 4096)
        {
            errors.Add($"{nameof(MaxSnapshotBytes)} must be at least 4096 (is {MaxSnapshotBytes})");
        }

        if (Retention is null)
        {
            errors.Add($"{nameof(Retention)} is required");
        }
        else
        {
            if (Retention.MaxBytes < 0)
            {
                errors.Add($"{nameof(Retention)}.{nameof(RetentionBudget.MaxBytes)} must not be negative (is {Retention.MaxBytes})");
            }

            if (Retention.MaxAge < TimeSpan.Zero)
            {
                errors.Add($"{nameof(Retention)}.{nameof(RetentionBudget.MaxAge)} must not be negative (is {Retention.MaxAge})");
            }
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every error, if any.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid storage options: " + string.Join("; ", errors));
        }
    }
}
