using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Grey.Federation.Identifiers;
using Grey.Region.Hosting;
using Grey.Region.Ingest;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace Grey.Region.Daemon.Nats;

/// <summary>
/// The region's NATS link. At start it creates (idempotently) the stream <c>GREY_DELTA_&lt;REGION&gt;</c> on
/// <c>grey.delta.&lt;region&gt;.*</c> and the durable pull consumer, which <see cref="FetchDeltasAsync"/> pulls in
/// batches; a delivered message is acknowledged to JetStream only by
/// <see cref="SettleAsync"/>, which the loop calls after the region's flush. Core subscriptions feed status
/// reports, peer region deltas and (when a handler is given) enrollment and attestation requests, answered only when
/// they name this region or none (<see cref="RegionRequestScope"/>).
/// </summary>
internal sealed class NatsRegionTransport : IRegionTransport
{
    private readonly NatsConnection _connection;
    private readonly INatsJSContext _js;
    private readonly string _region;
    private readonly NatsTransportLimits _limits;
    private readonly Channel<InboundSignal> _signals;
    private readonly ConcurrentDictionary<long, INatsJSMsg<byte[]>> _delivered = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private long _nextToken;
    private long _signalsDropped;
    private long _consumerRestarts;
    private long _requestsForOtherRegions;
    private INatsJSConsumer? _consumer;

    private NatsRegionTransport(NatsConnection connection, string region, NatsTransportLimits limits)
    {
        _connection = connection;
        _js = connection.CreateJetStreamContext();
        _region = region;
        _limits = limits;

        _signals = Channel.CreateBounded<InboundSignal>(
            new BoundedChannelOptions(limits.SignalCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _signalsDropped));
    }

    /// <inheritdoc />
    public ChannelReader<InboundSignal> Signals => _signals.Reader;

    /// <summary>Signals dropped because the loop fell behind (each is repaired by a later one).</summary>
    public long SignalsDropped => Interlocked.Read(ref _signalsDropped);

    /// <summary>Times the consumer was set up again after the broker refused or lost it.</summary>
    public long ConsumerRestarts => Interlocked.Read(ref _consumerRestarts);

    /// <summary>Enrollment and attestation requests left unanswered because they name another region (docs/REGION.md).</summary>
    public long RequestsForOtherRegions => Interlocked.Read(ref _requestsForOtherRegions);

    /// <summary>Delivered messages not yet settled.</summary>
    public int Unsettled => _delivered.Count;

    /// <summary>
    /// Creates the stream and the consumer (idempotently) and starts consuming and subscribing. Throws when the
    /// broker cannot be reached or refuses the stream (a start-up failure: the daemon exits 1).
    /// </summary>
    public static async Task<NatsRegionTransport> StartAsync(NatsConnection connection, string region, IReadOnlyList<string> peerRegions,
        NatsTransportLimits limits, RegionRequestHandler? requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(peerRegions);
        ArgumentNullException.ThrowIfNull(limits);
        FederationId.Require(region, nameof(region));
        await connection.ConnectAsync().ConfigureAwait(false);
        var transport = new NatsRegionTransport(connection, region, limits);
        await transport.EnsureStreamAsync(cancellationToken).ConfigureAwait(false);
        transport._consumer = await transport.EnsureConsumerAsync(cancellationToken).ConfigureAwait(false);
        transport._tasks.Add(transport.SubscribeSignalsAsync(NatsSubjects.StatusWildcard(region), InboundSignalKind.SiteReport));
        foreach (string peer in peerRegions.Where(p => p != region))
        {
            transport._tasks.Add(transport.SubscribeSignalsAsync(NatsSubjects.RegionDelta(peer), InboundSignalKind.RegionDelta));
        }

        if (requests is not null)
        {
            transport._tasks.Add(transport.ServeRequestsAsync("grey.enroll.*", RegionRequestKind.Enroll, requests));
            transport._tasks.Add(transport.ServeRequestsAsync("grey.attest.*", RegionRequestKind.Attest, requests));
        }

        // Subscriptions are registered with the server before the region reports itself ready.
        await connection.PingAsync(cancellationToken).ConfigureAwait(false);
        return transport;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Every call is a fresh pull (no long-lived subscription to lose when the broker restarts): first whatever is
    /// waiting (no-wait fetch); when nothing is, one message with the fetch wait, then whatever arrived with it.
    /// </remarks>
    public async ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var batch = new List<InboundDelta>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_limits.FetchWait + _limits.PublishTimeout);
        try
        {
            _consumer ??= await EnsureConsumerAsync(deadline.Token).ConfigureAwait(false);
            await FetchNoWaitAsync(_consumer, maxMessages, batch, deadline.Token).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                INatsJSMsg<byte[]>? first = await _consumer.NextAsync<byte[]>(opts: new NatsJSNextOpts { Expires = _limits.FetchWait }, cancellationToken: deadline.Token).ConfigureAwait(false);
                if (first is not null)
                {
                    Add(first, batch);
                    await FetchNoWaitAsync(_consumer, maxMessages - 1, batch, deadline.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The broker is away (the pull found no server): an empty batch, the loop turns and tries again.
        }
        catch (NatsException e)
        {
            // The broker lost or refused the consumer (restarted without its store, deleted): set it up again next
            // time. What was delivered and not settled is delivered again by the broker.
            _consumer = null;
            Interlocked.Increment(ref _consumerRestarts);
            if (batch.Count == 0)
            {
                await Task.Delay(_limits.RetryDelay, cancellationToken).ConfigureAwait(false);
                throw new RegionTransportException("could not fetch deltas: " + e.Message, e);
            }
        }

        return batch;
    }

    private async Task FetchNoWaitAsync(INatsJSConsumer consumer, int max, List<InboundDelta> batch, CancellationToken cancellationToken)
    {
        if (max < 1)
        {
            return;
        }

        await foreach (INatsJSMsg<byte[]> msg in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = max }, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            Add(msg, batch);
        }
    }

    private void Add(INatsJSMsg<byte[]> msg, List<InboundDelta> batch)
    {
        long token = Interlocked.Increment(ref _nextToken);
        _delivered[token] = msg;
        string site = NatsSubjects.LastToken(msg.Subject);
        ulong? committed = msg.Headers is { } h && h.TryGetValue(NatsSubjects.CommittedHeader, out var values)
            && ulong.TryParse(values.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong c) ? c : null;
        batch.Add(new InboundDelta(site, msg.Data ?? [], committed, token));
    }

    /// <inheritdoc />
    public async ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (!_delivered.TryRemove(delta.DeliveryToken, out INatsJSMsg<byte[]>? msg))
        {
            throw new ArgumentException($"delivery {delta.DeliveryToken} is unknown or already settled", nameof(delta));
        }

        await Guard(() => msg.AckAsync(cancellationToken: cancellationToken), "acknowledge a delta", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (!_delivered.TryRemove(delta.DeliveryToken, out INatsJSMsg<byte[]>? msg))
        {
            throw new ArgumentException($"delivery {delta.DeliveryToken} is unknown or already settled", nameof(delta));
        }

        await Guard(() => msg.NakAsync(cancellationToken: cancellationToken), "release a delta", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ack);
        return PublishAsync(NatsSubjects.Ack(ack.Site), ack.Wire, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken) =>
        PublishAsync(NatsSubjects.Nak(site), nak.ToArray(), cancellationToken);

    /// <inheritdoc />
    public ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken) =>
        PublishAsync(NatsSubjects.RegionDelta(_region), regionDelta.ToArray(), cancellationToken);

    /// <inheritdoc />
    public ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken) =>
        PublishAsync(NatsSubjects.Revoke(site), notice.ToArray(), cancellationToken);

    /// <inheritdoc />
    public ValueTask PublishDesiredAsync(string site, ReadOnlyMemory<byte> change, CancellationToken cancellationToken) =>
        PublishAsync(NatsSubjects.Desired(site), change.ToArray(), cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A subscription still unwinding is abandoned; the connection's disposal ends it.
        }

        _stop.Dispose();
    }

    private async ValueTask PublishAsync(string subject, byte[] payload, CancellationToken cancellationToken) =>
        await Guard(() => _connection.PublishAsync(subject, payload, cancellationToken: cancellationToken), "publish on " + subject, cancellationToken).ConfigureAwait(false);

    private async ValueTask Guard(Func<ValueTask> send, string what, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_limits.PublishTimeout);
        try
        {
            await send().AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RegionTransportException($"could not {what} within {_limits.PublishTimeout.TotalSeconds:0} s");
        }
        catch (NatsException e)
        {
            throw new RegionTransportException($"could not {what}: {e.Message}", e);
        }
    }

    private async Task EnsureStreamAsync(CancellationToken cancellationToken)
    {
        var config = new StreamConfig(NatsSubjects.StreamName(_region), [NatsSubjects.DeltaWildcard(_region)])
        {
            Storage = StreamConfigStorage.File,
            Retention = _limits.SharedStream ? StreamConfigRetention.Interest : StreamConfigRetention.Workqueue,
            Discard = StreamConfigDiscard.New,
            MaxBytes = _limits.StreamMaxBytes,
            MaxAge = _limits.StreamMaxAge,
            MaxMsgSize = _limits.StreamMaxMessageBytes,
            DuplicateWindow = _limits.DuplicateWindow,
            NumReplicas = 1,
        };
        await _js.CreateOrUpdateStreamAsync(config, cancellationToken).ConfigureAwait(false);
    }

    private async Task<INatsJSConsumer> EnsureConsumerAsync(CancellationToken cancellationToken)
    {
        string name = _limits.ConsumerName ?? NatsSubjects.ConsumerName(_region);
        var config = new ConsumerConfig(name)
        {
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = _limits.AckWait,
            MaxAckPending = _limits.MaxAckPending,
            FilterSubject = NatsSubjects.DeltaWildcard(_region),
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,

            // Never give up on a message: a delta the region did not settle must be delivered until it is.
            MaxDeliver = -1,
        };
        return await _js.CreateOrUpdateConsumerAsync(NatsSubjects.StreamName(_region), config, cancellationToken).ConfigureAwait(false);
    }

    private async Task SubscribeSignalsAsync(string subject, InboundSignalKind kind)
    {
        CancellationToken stop = _stop.Token;
        try
        {
            await foreach (NatsMsg<byte[]> msg in _connection.SubscribeAsync<byte[]>(subject, cancellationToken: stop).ConfigureAwait(false))
            {
                _signals.Writer.TryWrite(new InboundSignal(kind, NatsSubjects.LastToken(msg.Subject), msg.Data ?? []));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // The Grey-Region header's values (none when the edge sent no such header).
    private static IReadOnlyList<string?> NamedRegions(NatsHeaders? headers) =>
        headers is not null && headers.TryGetValue(RegionRequestScope.Header, out var values) ? [.. values] : [];

    private async Task ServeRequestsAsync(string subject, RegionRequestKind kind, RegionRequestHandler handler)
    {
        CancellationToken stop = _stop.Token;
        try
        {
            await foreach (NatsMsg<byte[]> msg in _connection.SubscribeAsync<byte[]>(subject, cancellationToken: stop).ConfigureAwait(false))
            {
                string site = NatsSubjects.LastToken(msg.Subject);
                if (msg.ReplyTo is null || !FederationId.IsValid(site))
                {
                    continue;
                }

                if (!RegionRequestScope.Answers(_region, NamedRegions(msg.Headers)))
                {
                    // Another region's site on a shared broker: that region answers, this one stays silent.
                    Interlocked.Increment(ref _requestsForOtherRegions);
                    continue;
                }

                byte[]? reply = await handler(kind, site, msg.Data ?? [], stop).ConfigureAwait(false);
                if (reply is not null)
                {
                    try
                    {
                        await msg.ReplyAsync(reply, cancellationToken: stop).ConfigureAwait(false);
                    }
                    catch (NatsException)
                    {
                        // The requester retries after its own timeout.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
