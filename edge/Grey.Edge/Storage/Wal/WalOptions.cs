namespace Grey.Edge.Storage.Wal;

/// <summary>
/// The write-ahead log's limits. Immutable; <see cref="Validate"/> reports every error at once.
/// </summary>
internal sealed record WalOptions
{
    /// <summary>Default <see cref="SegmentBytes"/>: 16 MiB, small enough to read whole at start on modest hardware.</summary>
    public const int DefaultSegmentBytes = 16 * 1024 * 1024;

    /// <summary>Default <see cref="MaxRecordBytes"/>: 4 MiB (a Raft entry's payload must stay below it).</summary>
    public const int DefaultMaxRecordBytes = 4 * 1024 * 1024;

    /// <summary>Default <see cref="MaxPendingOperations"/>.</summary>
    public const int DefaultMaxPendingOperations = 1024;

    /// <summary>Default <see cref="PreallocateBytes"/>: 1 MiB (about 3,000 writes of 256 bytes per extension).</summary>
    public const int DefaultPreallocateBytes = 1024 * 1024;

    /// <summary>
    /// A segment is closed and a new one started when the next record would make it larger than this. A
    /// segment holds at least one record after its start records, so it can exceed this by one record.
    /// </summary>
    public int SegmentBytes { get; init; } = DefaultSegmentBytes;

    /// <summary>
    /// The largest record (header and body): larger appends are refused, and on reading a length field above
    /// it marks the record as bad rather than letting a flipped bit allocate gigabytes. At most half a segment.
    /// </summary>
    public int MaxRecordBytes { get; init; } = DefaultMaxRecordBytes;

    /// <summary>
    /// How many operations (appends, compactions, snapshot resets) may wait for the disk at once; a caller
    /// beyond it waits for a slot (backpressure). One group commit takes at most this many operations.
    /// </summary>
    public int MaxPendingOperations { get; init; } = DefaultMaxPendingOperations;

    /// <summary>
    /// How far ahead of its data the current segment is zero-filled (never past <see cref="SegmentBytes"/>; 0
    /// turns it off). A group commit that writes inside the filled range changes neither the file's size nor its
    /// block allocation, so its sync writes only the data (no inode or allocation metadata): one extension, and
    /// one full sync, per this many bytes instead of per group commit. A segment is cut back to its data before
    /// the next one starts; recovery reads a zero tail of the last segment as unused space, not as a torn write.
    /// </summary>
    public int PreallocateBytes { get; init; } = DefaultPreallocateBytes;

    /// <summary>Every problem with these options, or an empty list.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (SegmentBytes < 4096)
        {
            errors.Add($"{nameof(SegmentBytes)} must be at least 4096 (is {SegmentBytes})");
        }

        if (MaxRecordBytes < 256)
        {
            errors.Add($"{nameof(MaxRecordBytes)} must be at least 256 (is {MaxRecordBytes})");
        }

        if (MaxRecordBytes > SegmentBytes / 2)
        {
            errors.Add($"{nameof(MaxRecordBytes)} ({MaxRecordBytes}) must be at most half of {nameof(SegmentBytes)} ({SegmentBytes})");
        }

        if (MaxPendingOperations is < 1 or > 1_000_000)
        {
            errors.Add($"{nameof(MaxPendingOperations)} must be in [1, 1000000] (is {MaxPendingOperations})");
        }

        if (PreallocateBytes < 0)
        {
            errors.Add($"{nameof(PreallocateBytes)} must be at least 0 (is {PreallocateBytes})");
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every error, if any.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid WAL options: " + string.Join("; ", errors));
        }
    }
}
