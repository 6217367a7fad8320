using Grey.Federation;

namespace Grey.Region.Daemon.Nats;

/// <summary>The limits of the region's stream, consumer and subscriptions, with documented defaults.</summary>
internal sealed record NatsTransportLimits
{
    /// <summary>
    /// Most bytes the region's stream keeps. Default 1 GiB. The stream is a work queue (acknowledged messages are
    /// removed), so this bounds deltas not yet ingested; when full, new publishes are refused (discard new) and the
    /// edge keeps them in its outbox and retries, rather than the broker silently dropping older ones.
    /// </summary>
    public long StreamMaxBytes { get; init; } = 1L << 30;

    /// <summary>Oldest message the stream keeps. Default 7 days: an outage of the region longer than that loses nothing either (the edge keeps every delta until the region acknowledges it), it only makes the edge resend.</summary>
    public TimeSpan StreamMaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Largest message the stream takes: the federation's signed envelope limit (the server's max_payload may be lower).</summary>
    public int StreamMaxMessageBytes { get; init; } = FederationLimits.MaxEnvelopeBytes;

    /// <summary>The broker drops a repeated <c>Nats-Msg-Id</c> within this window. Default 2 min; later repeats reach the region, which acknowledges them again as duplicates.</summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Most delivered, unacknowledged messages of the consumer. Default 1024 (four default batches).</summary>
    public int MaxAckPending { get; init; } = 1024;

    /// <summary>A delivered message not acknowledged within this is delivered again. Default 30 s: a turn (ingest, fsync) takes far less.</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a fetch waits for the first message before it returns an empty batch (the loop turns at least this often). Default 1 s (JetStream's shortest pull expiry).</summary>
    public TimeSpan FetchWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Pause before the consumer is set up again after the broker refused or lost it (or was away). Default 1 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most time one publish may wait (for instance for a reconnect) before it counts as failed. Default 5 s.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Signals (status reports, region deltas) buffered for the loop; the oldest are dropped beyond it. Default 4096.</summary>
    public int SignalCapacity { get; init; } = 4096;

    /// <summary>The durable consumer's name; null: <c>grey-region-&lt;region&gt;</c>. Each shard of a sharded region has its own (<c>Sharding/ShardNaming</c>).</summary>
    public string? ConsumerName { get; init; }

    /// <summary>
    /// Whether several consumers (the shards of one region) share the stream: it then has interest retention (a delta
    /// leaves once every consumer settled it) instead of a work queue. Default false.
    /// </summary>
    public bool SharedStream { get; init; }
}
