using System.Collections.Concurrent;
using System.Threading.Channels;
using Grey.Region.Hosting;
using Grey.Region.Ingest;

namespace Grey.Region.Daemon.Mqtt;

/// <summary>
/// Several transports (NATS and MQTT) as the one <see cref="IRegionTransport"/> that <see cref="RegionHost"/> runs:
/// a pump per transport fetches its deltas into one bounded queue under fresh delivery tokens, and a settlement or
/// release goes back to the transport that delivered the delta, with its own token. Acks, NAKs, revocation notices
/// and region deltas go out on every transport (a site may listen on either; duplicates are harmless, the outbox
/// settles by index), and a publish fails only when every transport failed it. It returns as soon as one transport
/// sent it: each transport sends its publishes in order on its own (<see cref="OrderedPartPublisher"/>), so a broker
/// that is away holds neither the other transport nor the loop.
/// </summary>
internal sealed class CompositeRegionTransport : IRegionTransport
{
    /// <summary>Deltas fetched from the parts and not yet taken by the loop. When full, the pumps wait (nothing is dropped; the brokers keep the rest).</summary>
    public const int DeltaCapacity = 1024;

    /// <summary>Signals merged from the parts; the oldest are dropped beyond it (each is repaired by a later one).</summary>
    public const int SignalCapacity = 4096;

    /// <summary>Most deltas one pump fetches from its part at once.</summary>
    public const int PumpBatch = 256;

    /// <summary>Pause of a pump after its part failed a fetch, so a broker that is away is not spun on.</summary>
    public static readonly TimeSpan PumpRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a fetch waits for the first delta before it returns an empty batch.</summary>
    public static readonly TimeSpan FetchWait = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<IRegionTransport> _parts;
    private readonly OrderedPartPublisher[] _publishers;
    private readonly Channel<InboundDelta> _deltas = Channel.CreateBounded<InboundDelta>(new BoundedChannelOptions(DeltaCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly Channel<InboundSignal> _signals;
    private readonly ConcurrentDictionary<long, (IRegionTransport Part, InboundDelta Inner)> _delivered = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private long _nextToken;
    private long _fetchFailures;
    private long _signalsDropped;

    /// <summary>Takes ownership of <paramref name="parts"/> (at least one) and starts their pumps.</summary>
    public CompositeRegionTransport(IReadOnlyList<IRegionTransport> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentOutOfRangeException.ThrowIfLessThan(parts.Count, 1, nameof(parts));
        _parts = parts;
        _publishers = parts.Select(p => new OrderedPartPublisher(p)).ToArray();
        _signals = Channel.CreateBounded<InboundSignal>(
            new BoundedChannelOptions(SignalCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _signalsDropped));
        foreach (IRegionTransport part in parts)
        {
            _pumps.Add(Task.Run(() => PumpDeltasAsync(part)));
            _pumps.Add(Task.Run(() => PumpSignalsAsync(part)));
        }
    }

    /// <inheritdoc />
    public ChannelReader<InboundSignal> Signals => _signals.Reader;

    /// <summary>Fetches a part failed (counted, retried after <see cref="PumpRetryDelay"/>).</summary>
    public long FetchFailures => Interlocked.Read(ref _fetchFailures);

    /// <summary>Signals dropped because the loop fell behind.</summary>
    public long SignalsDropped => Interlocked.Read(ref _signalsDropped);

    /// <summary>Delivered deltas not yet settled or released.</summary>
    public int Unsettled => _delivered.Count;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var batch = new List<InboundDelta>();
        if (!_deltas.Reader.TryRead(out InboundDelta? first))
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(FetchWait);
            try
            {
                first = await _deltas.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return batch;
            }
        }

        batch.Add(first);
        while (batch.Count < maxMessages && _deltas.Reader.TryRead(out InboundDelta? more))
        {
            batch.Add(more);
        }

        return batch;
    }

    /// <inheritdoc />
    public ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken)
    {
        (IRegionTransport part, InboundDelta inner) = Take(delta);
        return part.SettleAsync(inner, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken)
    {
        (IRegionTransport part, InboundDelta inner) = Take(delta);
        return part.ReleaseAsync(inner, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken) => EveryAsync(p => p.PublishAckAsync(ack, cancellationToken));

    /// <inheritdoc />
    public ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken) => EveryAsync(p => p.PublishNakAsync(site, nak, cancellationToken));

    /// <inheritdoc />
    public ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken) => EveryAsync(p => p.PublishRegionDeltaAsync(regionDelta, cancellationToken));

    /// <inheritdoc />
    public ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken) => EveryAsync(p => p.PublishRevocationAsync(site, notice, cancellationToken));

    /// <inheritdoc />
    public ValueTask PublishDesiredAsync(string site, ReadOnlyMemory<byte> change, CancellationToken cancellationToken) => EveryAsync(p => p.PublishDesiredAsync(site, change, cancellationToken));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_pumps).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A pump still inside its part's fetch is abandoned; disposing the part ends it.
        }

        foreach (OrderedPartPublisher publisher in _publishers)
        {
            // Publishes still queued (a slow part) get a moment to go out before their part is disposed.
            await publisher.DrainAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        foreach (IRegionTransport part in _parts)
        {
            await part.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private (IRegionTransport Part, InboundDelta Inner) Take(InboundDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        return _delivered.TryRemove(delta.DeliveryToken, out var found)
            ? found
            : throw new ArgumentException($"delivery {delta.DeliveryToken} is unknown or already settled", nameof(delta));
    }

    private async ValueTask EveryAsync(Func<IRegionTransport, ValueTask> publish)
    {
        var remaining = _publishers.Select(p => p.Enqueue(publish)).ToList();
        List<RegionTransportException> failures = [];
        while (remaining.Count > 0)
        {
            Task done = await Task.WhenAny(remaining).ConfigureAwait(false);
            remaining.Remove(done);
            if (done.IsCompletedSuccessfully)
            {
                // The slower parts go on in the background, in order, bounded by OrderedPartPublisher.MaxPending;
                // their failures are observed here so that none goes unobserved.
                foreach (Task other in remaining)
                {
                    _ = other.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }

                return;
            }

            Exception? error = done.Exception?.GetBaseException();
            if (error is RegionTransportException transport)
            {
                failures.Add(transport);
            }
            else
            {
                // Cancellation and misuse are not a broker failing: they reach the caller as before.
                await done.ConfigureAwait(false);
            }
        }

        throw new RegionTransportException("every transport failed: " + string.Join("; ", failures.Select(e => e.Message)), failures[0]);
    }

    private async Task PumpDeltasAsync(IRegionTransport part)
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                foreach (InboundDelta inner in await part.FetchDeltasAsync(PumpBatch, stop).ConfigureAwait(false))
                {
                    long token = Interlocked.Increment(ref _nextToken);
                    _delivered[token] = (part, inner);
                    await _deltas.Writer.WriteAsync(inner with { DeliveryToken = token }, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (RegionTransportException)
            {
                Interlocked.Increment(ref _fetchFailures);
                try
                {
                    await Task.Delay(PumpRetryDelay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task PumpSignalsAsync(IRegionTransport part)
    {
        try
        {
            await foreach (InboundSignal signal in part.Signals.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                _signals.Writer.TryWrite(signal);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
