using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Region.Ingest;

namespace Grey.Region.Hosting;

/// <summary>
/// Hosts one <see cref="RegionCore"/> over an <see cref="IRegionTransport"/>: the ingest loop (a batch of deltas →
/// <see cref="RegionCore.IngestDelta"/> each → one <see cref="RegionCore.Flush"/> → NAKs and signed acks → the
/// broker settlements), status reports, peer region deltas, and this region's periodic region delta. The core is
/// not thread-safe, so every access (the loop's turns, the API's reads and admin changes) goes through one lock
/// (<see cref="Read{T}"/>). A durable failure faults the core: the turn settles nothing (the broker redelivers)
/// and the core is reopened from its store with the same factory. Transport-neutral, and <see cref="Step"/> is
/// synchronous, so the daemon and the fleet simulator drive it alike.
/// </summary>
public sealed class RegionHost : IDisposable
{
    private readonly Func<RegionCore> _open;
    private readonly TimeProvider _time;
    private readonly RegionHostOptions _options;
    private readonly Lock _lock = new();
    private readonly Quotas.AckGovernor _quotas;
    private readonly RevocationRepair _revocationRepair;
    private RegionCore _core;
    private DateTimeOffset? _lastExport;
    private DateTimeOffset? _lastFullExport;
    private long _exportMarker = -1;

    /// <summary>
    /// Opens the core with <paramref name="open"/> (which must open it over the same store every time: it is called
    /// again to reopen a faulted core).
    /// </summary>
    public RegionHost(Func<RegionCore> open, TimeProvider time, RegionHostOptions? options = null)
    {
        _open = open ?? throw new ArgumentNullException(nameof(open));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _options = options ?? new RegionHostOptions();
        IReadOnlyList<string> errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _quotas = new Quotas.AckGovernor(_options.Quotas, time);
        _revocationRepair = new RevocationRepair(_options.RevocationRepublishInterval);
        _core = open();
    }

    /// <summary>
    /// Gives a revoked node's signed revocation notice to republish, with the site to send it to, or null when there is
    /// none (the node is unknown or not revoked by this region). Called outside the host's lock, at most once per
    /// <see cref="RegionHostOptions.RevocationRepublishInterval"/> per node. Null (the default): nothing is republished.
    /// </summary>
    public Func<string, (string Site, byte[] Notice)?>? RevocationNotices { get; set; }

    /// <summary>The loop's counters.</summary>
    public RegionHostMetrics Metrics { get; } = new();

    /// <summary>The quota status of <paramref name="site"/>, or null when it is not metered.</summary>
    public Quotas.SiteQuotaStatus? QuotaStatus(string site)
    {
        lock (_lock)
        {
            return _quotas.Status(site);
        }
    }

    /// <summary>Every metered site's quota status, ordered by site id.</summary>
    public IReadOnlyList<Quotas.SiteQuotaStatus> QuotaStatuses()
    {
        lock (_lock)
        {
            return _quotas.Statuses();
        }
    }

    /// <summary>Runs <paramref name="read"/> on the core under the host's lock (reads and admin changes of the API).</summary>
    public T Read<T>(Func<RegionCore, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_lock)
        {
            return read(_core);
        }
    }

    /// <summary>
    /// One turn, synchronous: applies the signals, ingests every delta, flushes once (group commit), and decides
    /// whether a region delta is due. Nothing is sent; the caller sends the output in order.
    /// </summary>
    public RegionStepOutput Step(IReadOnlyList<InboundDelta> deltas, IReadOnlyList<InboundSignal> signals)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        ArgumentNullException.ThrowIfNull(signals);
        lock (_lock)
        {
            Metrics.DeltasReceived += deltas.Count;
            if (deltas.Count > 0 || signals.Count > 0)
            {
                Metrics.Turns++;
            }

            var results = new List<IngestResult>(deltas.Count);
            var naks = new List<(string, byte[])>();
            var revocations = new List<(string, string)>();
            IReadOnlyList<SignedAck> acks;
            try
            {
                foreach (InboundSignal signal in signals)
                {
                    Apply(signal);
                }

                PreparedDelta?[] prepared = PrepareAll(deltas);
                for (int i = 0; i < deltas.Count; i++)
                {
                    InboundDelta delta = deltas[i];
                    IngestResult r = _core.IngestDelta(delta.Wire, delta.SubjectSite, prepared[i]);
                    results.Add(r);
                    if (r.Nak is { } nak)
                    {
                        naks.Add((nak.Site, new SiteNak(nak.Region, nak.Site, nak.Epoch, nak.FirstMissingIndex).Encode()));
                    }

                    // A revoked signer's delta means its site missed the notice: send it again (rate-limited per signer).
                    if (r.RevokedSigner is { } revoked && r.Site is { } revokedSite && _revocationRepair.Due(revoked, _time.GetUtcNow()))
                    {
                        revocations.Add((revokedSite, revoked));
                    }

                    // Only an authenticated delta may move the reported committed index, or a forged message could fake lag.
                    if (r.Status != IngestStatus.Rejected && delta.ReportedCommitted is { } committed && r.Site is { } site)
                    {
                        _core.ReportCommittedIndex(site, committed);
                    }

                    // Only authenticated deltas count against a site's quota, or a forger could throttle another site.
                    if (r.Status != IngestStatus.Rejected && r.Site is { } metered)
                    {
                        _quotas.Charge(metered, delta.Wire.Length);
                    }
                }

                // A site over its quota has its acknowledgement held (the newest only) until it is due: see AckGovernor.
                acks = _quotas.Admit(_core.Flush());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // The core's memory may be ahead of its disk: nothing of this turn is acknowledged or settled, the
                // broker redelivers the batch, and the reopened core replays exactly what became durable.
                Reopen();
                return new RegionStepOutput(results, [], [], [], null, Failed: true) { Release = deltas };
            }

            return new RegionStepOutput(results, naks, acks, deltas, ExportIfDue(), Failed: false) { Revocations = revocations };
        }
    }

    /// <summary>
    /// Decodes and checks the signatures of a batch on up to <see cref="RegionHostOptions.PrepareParallelism"/> cores
    /// before it is merged in order on this one: the merge is serial, the per-delta work before it is not. Any surprise
    /// in a delta's preparation leaves it unprepared, and the serial ingest does (and reports) it as before.
    /// </summary>
    private PreparedDelta?[] PrepareAll(IReadOnlyList<InboundDelta> deltas)
    {
        var prepared = new PreparedDelta?[deltas.Count];
        if (deltas.Count < 2 || _options.PrepareParallelism < 2)
        {
            return prepared;
        }

        Parallel.For(0, deltas.Count, new ParallelOptions { MaxDegreeOfParallelism = _options.PrepareParallelism }, i =>
        {
            try
            {
                prepared[i] = _core.Prepare(deltas[i].Wire);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                prepared[i] = null;
            }
        });
        return prepared;
    }

    /// <summary>
    /// Runs the loop until <paramref name="cancellationToken"/> is cancelled: fetch a batch, <see cref="Step"/>, send
    /// NAKs and acks, settle the batch, publish the region delta when due. Transport failures are counted, never
    /// fatal; a store that cannot be reopened ends the loop with its exception.
    /// </summary>
    public async Task RunAsync(IRegionTransport transport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var signals = new List<InboundSignal>();
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<InboundDelta> batch;
            try
            {
                batch = await transport.FetchDeltasAsync(_options.MaxBatch, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RegionTransportException)
            {
                Metrics.TransportFailures++;
                batch = [];
            }

            signals.Clear();
            while (signals.Count < _options.MaxSignalsPerTurn && transport.Signals.TryRead(out InboundSignal? signal))
            {
                signals.Add(signal);
            }

            RegionStepOutput output = Step(batch, signals);
            await SendAsync(transport, output, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends one turn's output in order (NAKs, acks, settlements, releases, region delta), counting transport failures.</summary>
    public async Task SendAsync(IRegionTransport transport, RegionStepOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(output);
        foreach ((string site, byte[] nak) in output.Naks)
        {
            if (await Try(() => transport.PublishNakAsync(site, nak, cancellationToken)).ConfigureAwait(false))
            {
                Count(m => m.NaksPublished++);
            }
        }

        foreach ((string Site, string Node) revoked in output.Revocations)
        {
            if (RevocationNotices?.Invoke(revoked.Node) is { } notice && await Try(() => transport.PublishRevocationAsync(notice.Site, notice.Notice, cancellationToken)).ConfigureAwait(false))
            {
                Count(m => m.RevocationsRepublished++);
            }
        }

        foreach (SignedAck ack in output.Acks)
        {
            if (await Try(() => transport.PublishAckAsync(ack, cancellationToken)).ConfigureAwait(false))
            {
                Count(m => m.AcksPublished++);
            }
        }

        foreach (InboundDelta delta in output.Settle)
        {
            if (await Try(() => transport.SettleAsync(delta, cancellationToken)).ConfigureAwait(false))
            {
                Count(m => m.DeltasSettled++);
            }
        }

        foreach (InboundDelta delta in output.Release)
        {
            await Try(() => transport.ReleaseAsync(delta, cancellationToken)).ConfigureAwait(false);
        }

        if (output.RegionDelta is { } regionDelta && await Try(() => transport.PublishRegionDeltaAsync(regionDelta, cancellationToken)).ConfigureAwait(false))
        {
            Count(m => m.RegionDeltasPublished++);
        }

        // The send is started inside the try: a transport may throw before it returns its task.
        async Task<bool> Try(Func<ValueTask> send)
        {
            try
            {
                await send().ConfigureAwait(false);
                return true;
            }
            catch (RegionTransportException)
            {
                Count(m => m.TransportFailures++);
                return false;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _core.Dispose();
        }
    }

    private void Count(Action<RegionHostMetrics> bump)
    {
        lock (_lock)
        {
            bump(Metrics);
        }
    }

    private void Apply(InboundSignal signal)
    {
        switch (signal.Kind)
        {
            case InboundSignalKind.SiteReport:
                DecodeResult<SiteReport> report = SiteReport.Decode(signal.Payload);
                if (report.IsSuccess && report.Value.Site == signal.Source)
                {
                    _core.ReportCommittedIndex(report.Value.Site, report.Value.CommittedIndex);
                    Metrics.ReportsApplied++;
                }
                else
                {
                    Metrics.ReportsRefused++;
                }

                break;
            case InboundSignalKind.RegionDelta:
                Metrics.RegionDeltasReceived++;
                _core.IngestRegionDelta(signal.Payload, signal.Source);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(signal), signal.Kind, "unknown signal kind");
        }
    }

    private byte[]? ExportIfDue()
    {
        // Without peer regions nobody listens on grey.region.<region>: exporting (a whole state, every interval) would
        // cost the ingest loop time in proportion to the state's size for nothing.
        if (!_options.PublishRegionDeltas || !_core.HasPeers)
        {
            return null;
        }

        DateTimeOffset now = _time.GetUtcNow();
        TimeSpan sinceFull = _lastFullExport is { } full ? now - full : TimeSpan.MaxValue;
        if (_exportMarker < 0 || sinceFull >= _options.RegionDeltaRepeat)
        {
            // The first export of a (re)opened core, and then one every RegionDeltaRepeat, is whole: it repairs a peer
            // that missed an incremental one or started later, and covers what the store replayed.
            _lastFullExport = now;
            _lastExport = now;
            _exportMarker = 0;
            Metrics.RegionDeltasFull++;
            return _core.ExportRegionDelta();
        }

        TimeSpan since = _lastExport is { } last ? now - last : TimeSpan.MaxValue;
        if (since < _options.RegionDeltaInterval)
        {
            return null;
        }

        // Only what changed since the previous export: its size follows the traffic, not the state.
        byte[]? changes = _core.ExportRegionChanges();
        if (changes is not null)
        {
            _lastExport = now;
        }

        return changes;
    }

    private void Reopen()
    {
        Metrics.Reopens++;
        _core.Dispose();
        _core = _open();

        // The reopened core records no changes from before: export its whole state at the next chance.
        _exportMarker = -1;
    }
}
