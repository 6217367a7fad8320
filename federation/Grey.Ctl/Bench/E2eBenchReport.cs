namespace Grey.Ctl.Bench;

/// <summary>
/// The figures of one <c>greyctl bench e2e</c> run. Rates are per second of wall clock; latencies in milliseconds
/// (nearest-rank percentiles of observed values). <see cref="Fields"/> is the JSON document, key by key.
/// </summary>
internal sealed record E2eBenchReport
{
    public required int Sites { get; init; }

    public required double DurationSeconds { get; init; }

    /// <summary>Raw JetStream: 256-byte messages stored per second.</summary>
    public required double JetStreamMsgsPerSecond { get; init; }

    /// <summary>Bytes the raw publisher's connection sent per message.</summary>
    public required double JetStreamBytesPerMessage { get; init; }

    /// <summary>Writes per second through the Raft groups while shipping was held (the backlog fill).</summary>
    public required double FillOpsPerSecond { get; init; }

    /// <summary>Committed writes in the backlog the pipeline drained.</summary>
    public required long PipelineOps { get; init; }

    /// <summary>From opening the gate to the region's durable ack of the last backlog write.</summary>
    public required double PipelineSeconds { get; init; }

    /// <summary>Signed site deltas the outboxes shipped during the drain.</summary>
    public required long PipelineDeltas { get; init; }

    /// <summary>
    /// Bytes published plus bytes received by every NATS connection of the process (sites and region) during the
    /// drain, per operation, from NATS.Net's counters (bodies and headers): the delta once published by a site and
    /// once delivered to the region, the acks published by the region and received by each site's three nodes.
    /// </summary>
    public required double BytesPerOp { get; init; }

    /// <summary>Of which published (deltas, acks, reports).</summary>
    public required double SentBytesPerOp { get; init; }

    /// <summary>The sites' delta publishes as framed on the wire (HPUB line, headers, payload), per operation.</summary>
    public required double DeltaWireBytesPerOp { get; init; }

    /// <summary>Writes per second from the client, through Raft, to the region's durable merge, at the maximum.</summary>
    public required double E2eOpsPerSecond { get; init; }

    public required double E2eMaxP50Ms { get; init; }

    public required double E2eMaxP99Ms { get; init; }

    /// <summary>CPU of the whole process (cores) during the maximum run.</summary>
    public required double ProcessCores { get; init; }

    /// <summary>The same client loop against a writer that does nothing: the client's own ceiling.</summary>
    public required double ClientCeilingOpsPerSecond { get; init; }

    /// <summary>The open-loop rate offered in the half-load run (half of <see cref="E2eOpsPerSecond"/>).</summary>
    public required double HalfOfferedOpsPerSecond { get; init; }

    /// <summary>Writes committed per second in the half-load run.</summary>
    public required double HalfOpsPerSecond { get; init; }

    /// <summary>Half load: commit (the client's answer) to the region's durable ack, median.</summary>
    public required double P50Ms { get; init; }

    /// <summary>Half load: commit to the region's durable ack, 99th percentile.</summary>
    public required double P99Ms { get; init; }

    /// <summary>Half load: the client's write call to its commit, 99th percentile.</summary>
    public required double HalfCommitP99Ms { get; init; }

    /// <summary>Half load: writes whose merge was seen (equals the writes committed when nothing was lost).</summary>
    public required long HalfMergedWrites { get; init; }

    /// <summary>Half load: writes committed.</summary>
    public required long HalfWrites { get; init; }

    /// <summary>CPU of this process and the bench's own nats-server per raw message stored (NaN with an external server).</summary>
    public required double JetStreamCpuMicrosPerMessage { get; init; }

    /// <summary>CPU of this process and the bench's own nats-server per operation drained (NaN with an external server).</summary>
    public required double PipelineCpuMicrosPerOp { get; init; }

    /// <summary>
    /// The ratio by CPU instead of wall clock: operations per CPU-second of the pipeline over messages per CPU-second
    /// of raw JetStream. It does not depend on the share of the cores the run got (NaN when unknown).
    /// </summary>
    public double CpuRatio => JetStreamCpuMicrosPerMessage / PipelineCpuMicrosPerOp;

    public double PipelineOpsPerSecond => PipelineSeconds > 0 ? PipelineOps / PipelineSeconds : 0;

    /// <summary>The pipeline against raw JetStream (the target: at least 1).</summary>
    public double Ratio => JetStreamMsgsPerSecond > 0 ? PipelineOpsPerSecond / JetStreamMsgsPerSecond : 0;

    /// <summary>The JSON document's keys and values, in order; the integers are counts.</summary>
    public IReadOnlyList<(string Key, double Value, bool Integer)> Fields() =>
    [
        ("sites", Sites, true),
        ("duration_s", DurationSeconds, false),
        ("jetstream_msgs_per_s", JetStreamMsgsPerSecond, false),
        ("pipeline_ops_per_s", PipelineOpsPerSecond, false),
        ("ratio", Ratio, false),
        ("e2e_ops_per_s", E2eOpsPerSecond, false),
        ("p50_ms", P50Ms, false),
        ("p99_ms", P99Ms, false),
        ("bytes_per_op", BytesPerOp, false),
        ("sent_bytes_per_op", SentBytesPerOp, false),
        ("delta_wire_bytes_per_op", DeltaWireBytesPerOp, false),
        ("jetstream_bytes_per_msg", JetStreamBytesPerMessage, false),
        ("jetstream_cpu_us_per_msg", JetStreamCpuMicrosPerMessage, false),
        ("pipeline_cpu_us_per_op", PipelineCpuMicrosPerOp, false),
        ("cpu_ratio", CpuRatio, false),
        ("pipeline_ops", PipelineOps, true),
        ("pipeline_s", PipelineSeconds, false),
        ("pipeline_deltas", PipelineDeltas, true),
        ("fill_ops_per_s", FillOpsPerSecond, false),
        ("e2e_max_p50_ms", E2eMaxP50Ms, false),
        ("e2e_max_p99_ms", E2eMaxP99Ms, false),
        ("process_cores", ProcessCores, false),
        ("client_ceiling_ops_per_s", ClientCeilingOpsPerSecond, false),
        ("half_offered_ops_per_s", HalfOfferedOpsPerSecond, false),
        ("half_ops_per_s", HalfOpsPerSecond, false),
        ("half_commit_p99_ms", HalfCommitP99Ms, false),
        ("half_writes", HalfWrites, true),
        ("half_merged_writes", HalfMergedWrites, true),
    ];
}
