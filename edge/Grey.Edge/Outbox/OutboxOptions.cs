using Grey.Federation;
using Grey.Federation.Identifiers;

namespace Grey.Edge.Outbox;

/// <summary>
/// How the outbox ships (docs/OUTBOX.md). Immutable; every limit has a documented default; <see cref="Validate"/>
/// lists every problem at once.
/// </summary>
internal sealed record OutboxOptions
{
    /// <summary>The site's home region (a federation id): named in every delta and checked in every ack and NAK.</summary>
    public required string Region { get; init; }

    /// <summary>Most data entries in one site delta (default 4096).</summary>
    public int MaxEntriesPerDelta { get; init; } = 4096;

    /// <summary>Most journal payload bytes in one site delta before signing (default 1 MiB).</summary>
    public int MaxBytesPerDelta { get; init; } = 1024 * 1024;

    /// <summary>How long a partial batch may wait for more entries before it is shipped (default 20 ms). Full batches never wait.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Deltas published but not yet acknowledged by the region, at most (default 16): the backpressure window.</summary>
    public int MaxInFlightDeltas { get; init; } = 16;

    /// <summary>Signed bytes published but not yet acknowledged, at most (default 16 MiB).</summary>
    public long MaxInFlightBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>How long the oldest in-flight delta may go unacknowledged before everything from the acked index is resent (default 10 s).</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval of the site report on <c>grey.status</c> while leader (default 5 s; also sent at once on link up).</summary>
    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The loop's idle wake-up (default 50 ms): bounds how late a leadership change or a timeout is noticed.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Compress a signed delta with DEFLATE when that saves at least this fraction of its bytes (default 0.1; 1 turns compression off).</summary>
    public double MinCompressionSaving { get; init; } = 0.1;

    /// <summary>
    /// The name a revocation notice uses for this node (default: the node's origin name <c>n&lt;id&gt;</c>, as
    /// enrollment registers it). Null: the default.
    /// </summary>
    public string? NodeName { get; init; }

    /// <summary>Lists every problem.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!FederationId.IsValid(Region))
        {
            errors.Add($"region '{Region}' must match [a-z0-9][a-z0-9-]{{0,62}}");
        }

        if (MaxEntriesPerDelta is < 1 or > FederationLimits.MaxEntriesPerDelta)
        {
            errors.Add($"max entries per delta must be between 1 and {FederationLimits.MaxEntriesPerDelta}");
        }

        if (MaxBytesPerDelta < OutboxJournal.MaxRecordBytes || MaxBytesPerDelta > FederationLimits.MaxDeltaBytes / 2)
        {
            errors.Add($"max bytes per delta must be between {OutboxJournal.MaxRecordBytes} and {FederationLimits.MaxDeltaBytes / 2}");
        }

        if (Linger < TimeSpan.Zero || Linger > TimeSpan.FromSeconds(10))
        {
            errors.Add("linger must be between 0 and 10 s");
        }

        if (MaxInFlightDeltas is < 1 or > 1024)
        {
            errors.Add("max in-flight deltas must be between 1 and 1024");
        }

        if (MaxInFlightBytes < MaxBytesPerDelta)
        {
            errors.Add("max in-flight bytes must be at least max bytes per delta");
        }

        if (AckTimeout < TimeSpan.FromMilliseconds(10))
        {
            errors.Add("ack timeout must be at least 10 ms");
        }

        if (ReportInterval < TimeSpan.FromMilliseconds(10))
        {
            errors.Add("report interval must be at least 10 ms");
        }

        if (PollInterval < TimeSpan.FromMilliseconds(1) || PollInterval > TimeSpan.FromSeconds(1))
        {
            errors.Add("poll interval must be between 1 ms and 1 s");
        }

        if (MinCompressionSaving is < 0 or > 1 || double.IsNaN(MinCompressionSaving))
        {
            errors.Add("min compression saving must be between 0 and 1");
        }

        if (NodeName is not null && !FederationId.IsValid(NodeName))
        {
            errors.Add($"node name '{NodeName}' must match [a-z0-9][a-z0-9-]{{0,62}}");
        }

        return errors;
    }
}
