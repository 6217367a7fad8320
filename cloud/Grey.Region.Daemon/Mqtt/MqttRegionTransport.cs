using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Grey.Federation.Identifiers;
using Grey.Region.Daemon.Nats;
using Grey.Region.Hosting;
using Grey.Region.Ingest;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Grey.Region.Daemon.Mqtt;

/// <summary>
/// The region's MQTT link (MQTTnet 5, MQTT 5). A persistent session (clean start off, a session expiry) subscribed
/// at QoS 1 to this region's delta and status topics and to every site's enrollment and attestation requests. A
/// delta is acknowledged to the broker (PUBACK) only by <see cref="SettleAsync"/>, which the loop calls after the
/// region's flush made its outcome durable: until then the broker keeps it in the session and delivers it again on
/// the next connection (a crash of the region or a restart of the broker included, with the broker's persistence
/// on). Without JetStream that session plus the region's own store are the durable queue. Acks, NAKs, revocation
/// notices and region deltas are published at QoS 1; requests are answered on their MQTT 5 response topic with
/// their correlation data through the same handler the NATS transport uses, and only when they name this region or
/// none (<see cref="RegionRequestScope"/>).
/// </summary>
internal sealed class MqttRegionTransport : IRegionTransport
{
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly string _region;
    private readonly IReadOnlyList<string> _peers;
    private readonly MqttRegionLimits _limits;
    private readonly RegionRequestHandler? _handler;
    private readonly Channel<InboundDelta> _deltas;
    private readonly Channel<InboundSignal> _signals;
    private readonly Channel<MqttApplicationMessage> _requests;
    private readonly ConcurrentDictionary<long, Delivery> _delivered = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly List<Task> _tasks = [];
    private long _nextToken;
    private long _generation;
    private long _signalsDropped;
    private long _requestsDropped;
    private long _ignored;
    private long _oversized;
    private long _reconnects;
    private long _staleSettles;
    private long _released;
    private long _requestsForOtherRegions;

    private MqttRegionTransport(MqttRegionConnection connection, string region, IReadOnlyList<string> peers, MqttRegionLimits limits, RegionRequestHandler? handler)
    {
        _region = region;
        _peers = peers;
        _limits = limits;
        _handler = handler;
        _deltas = Channel.CreateBounded<InboundDelta>(new BoundedChannelOptions(limits.DeltaCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _signals = Channel.CreateBounded<InboundSignal>(
            new BoundedChannelOptions(limits.SignalCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _signalsDropped));
        _requests = Channel.CreateBounded<MqttApplicationMessage>(
            new BoundedChannelOptions(limits.RequestCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => Interlocked.Increment(ref _requestsDropped));

        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(connection.Host, connection.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(connection.ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)Math.Min(limits.SessionExpiry.TotalSeconds, uint.MaxValue))
            .WithKeepAlivePeriod(limits.KeepAlive)
            .WithTimeout(limits.ConnectTimeout)
            .WithReceiveMaximum((ushort)limits.DeltaCapacity);
        if (connection.UserName is not null)
        {
            builder = builder.WithCredentials(connection.UserName, connection.Password);
        }

        _clientOptions = builder.Build();
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += _ =>
        {
            // Deliveries of the lost connection can no longer be acknowledged: the broker delivers them again on
            // the next one, and those copies are the ones to settle.
            Interlocked.Increment(ref _generation);
            return Task.CompletedTask;
        };
    }

    /// <inheritdoc />
    public ChannelReader<InboundSignal> Signals => _signals.Reader;

    /// <summary>True while connected to the broker.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Delivered deltas not yet settled or released.</summary>
    public int Unsettled => _delivered.Count;

    /// <summary>Signals dropped because the loop fell behind.</summary>
    public long SignalsDropped => Interlocked.Read(ref _signalsDropped);

    /// <summary>Requests dropped because the handler fell behind (the requester retries).</summary>
    public long RequestsDropped => Interlocked.Read(ref _requestsDropped);

    /// <summary>Messages on a topic this transport does not serve, or naming an invalid id (acknowledged and ignored).</summary>
    public long Ignored => Interlocked.Read(ref _ignored);

    /// <summary>Messages over <see cref="MqttRegionLimits.MaxMessageBytes"/> (acknowledged and dropped).</summary>
    public long Oversized => Interlocked.Read(ref _oversized);

    /// <summary>Enrollment and attestation requests left unanswered because they name another region (docs/REGION.md).</summary>
    public long RequestsForOtherRegions => Interlocked.Read(ref _requestsForOtherRegions);

    /// <summary>Successful connects after the first.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Settlements of deliveries from an earlier connection (nothing sent: the broker redelivered them).</summary>
    public long StaleSettles => Interlocked.Read(ref _staleSettles);

    /// <summary>Deliveries given back (not acknowledged; the broker redelivers them on the next connection).</summary>
    public long Released => Interlocked.Read(ref _released);

    /// <summary>
    /// Connects (the first connect must succeed: a start-up failure, the daemon exits 1), subscribes, and starts
    /// the reconnect and request loops. <paramref name="requests"/> null leaves enrollment and attestation unserved.
    /// </summary>
    public static async Task<MqttRegionTransport> StartAsync(MqttRegionConnection connection, string region, IReadOnlyList<string> peerRegions,
        MqttRegionLimits limits, RegionRequestHandler? requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(peerRegions);
        ArgumentNullException.ThrowIfNull(limits);
        FederationId.Require(region, nameof(region));
        limits.Validate();
        var transport = new MqttRegionTransport(connection, region, [.. peerRegions.Where(p => p != region)], limits, requests);
        string? error = await transport.ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw new RegionTransportException($"could not connect to the MQTT broker {connection.Host}:{connection.Port}: {error}");
        }

        transport._tasks.Add(transport.KeepConnectedAsync());
        if (requests is not null)
        {
            transport._tasks.Add(transport.ServeRequestsAsync(requests));
        }

        return transport;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var batch = new List<InboundDelta>();
        while (batch.Count < maxMessages && _deltas.Reader.TryRead(out InboundDelta? waiting))
        {
            batch.Add(waiting);
        }

        if (batch.Count > 0)
        {
            return batch;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(_limits.FetchWait);
        try
        {
            batch.Add(await _deltas.Reader.ReadAsync(wait.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Nothing arrived within the fetch wait: an empty batch, the loop turns.
            return batch;
        }

        while (batch.Count < maxMessages && _deltas.Reader.TryRead(out InboundDelta? more))
        {
            batch.Add(more);
        }

        return batch;
    }

    /// <inheritdoc />
    public async ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (!_delivered.TryRemove(delta.DeliveryToken, out Delivery? delivery))
        {
            throw new ArgumentException($"delivery {delta.DeliveryToken} is unknown or already settled", nameof(delta));
        }

        if (delivery.Generation != Interlocked.Read(ref _generation) || !_client.IsConnected)
        {
            Interlocked.Increment(ref _staleSettles);
            return;
        }

        await GuardAsync(ct => new ValueTask(delivery.Args.AcknowledgeAsync(ct)), "acknowledge a delta", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// MQTT has no negative acknowledgement: a QoS 1 message is delivered again only on a new connection of the
    /// same session. So a release drops the connection that delivered the delta (once per connection), and the
    /// reconnect loop resumes the session at once, which makes the broker deliver every unacknowledged delta again.
    /// </remarks>
    public async ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (!_delivered.TryRemove(delta.DeliveryToken, out Delivery? delivery))
        {
            throw new ArgumentException($"delivery {delta.DeliveryToken} is unknown or already settled", nameof(delta));
        }

        Interlocked.Increment(ref _released);
        if (delivery.Generation == Interlocked.Read(ref _generation) && _client.IsConnected)
        {
            await GuardAsync(
                async ct => await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), ct).ConfigureAwait(false),
                "drop the connection for redelivery", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ack);
        return PublishAsync(MqttRegionTopics.Ack(ack.Site), ack.Wire, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken) =>
        PublishAsync(MqttRegionTopics.Nak(RequireSite(site)), nak.ToArray(), cancellationToken);

    /// <inheritdoc />
    public ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken) =>
        PublishAsync(MqttRegionTopics.RegionDelta(_region), regionDelta.ToArray(), cancellationToken);

    /// <inheritdoc />
    public ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken) =>
        PublishAsync(MqttRegionTopics.Revoke(RequireSite(site)), notice.ToArray(), cancellationToken);

    /// <inheritdoc />
    public ValueTask PublishDesiredAsync(string site, ReadOnlyMemory<byte> change, CancellationToken cancellationToken) =>
        PublishAsync(MqttRegionTopics.Desired(RequireSite(site)), change.ToArray(), cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _deltas.Writer.TryComplete();
        _requests.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A loop still unwinding is abandoned; the client's disposal ends it.
        }

        try
        {
            if (_client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(_limits.PublishTimeout);
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Going away anyway; the session stays with the broker.
        }

        _client.Dispose();
        _connectGate.Dispose();
        _stop.Dispose();
    }

    private static string RequireSite(string site)
    {
        FederationId.Require(site, nameof(site));
        return site;
    }

    private ValueTask PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        MqttApplicationMessage message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        return PublishMessageAsync(message, cancellationToken);
    }

    private ValueTask PublishMessageAsync(MqttApplicationMessage message, CancellationToken cancellationToken) =>
        GuardAsync(async ct =>
        {
            MqttClientPublishResult result = await _client.PublishAsync(message, ct).ConfigureAwait(false);

            // "No matching subscribers" means the broker took it and nobody listens now (a site that is away and
            // has no session): the site learns its state from the next ack after it returns.
            if (!result.IsSuccess && result.ReasonCode != MqttClientPublishReasonCode.NoMatchingSubscribers)
            {
                throw new RegionTransportException($"the broker refused the publish on {message.Topic}: {result.ReasonCode}");
            }
        }, "publish on " + message.Topic, cancellationToken);

    private async ValueTask GuardAsync(Func<CancellationToken, ValueTask> send, string what, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_limits.PublishTimeout);
        try
        {
            await send(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RegionTransportException($"could not {what} within {_limits.PublishTimeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is MqttCommunicationException or ObjectDisposedException or InvalidOperationException)
        {
            throw new RegionTransportException($"could not {what}: {e.Message}", e);
        }
    }

    // One connect and subscribe. Returns why it failed, or null.
    private async Task<string?> ConnectAsync(CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client.IsConnected)
            {
                return null;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_limits.ConnectTimeout);
            MqttClientConnectResult connected = await _client.ConnectAsync(_clientOptions, timeout.Token).ConfigureAwait(false);
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                return "connect refused: " + connected.ResultCode;
            }

            var subscribe = new MqttClientSubscribeOptionsBuilder();
            List<string> filters = [MqttRegionTopics.DeltaFilter(_region), MqttRegionTopics.StatusFilter(_region), .. _peers.Select(MqttRegionTopics.RegionDelta)];
            if (_handler is not null)
            {
                filters.Add(MqttRegionTopics.EnrollFilter);
                filters.Add(MqttRegionTopics.AttestFilter);
            }

            foreach (string filter in filters)
            {
                subscribe = subscribe.WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
            }

            MqttClientSubscribeResult result = await _client.SubscribeAsync(subscribe.Build(), timeout.Token).ConfigureAwait(false);
            List<MqttClientSubscribeResultItem> refused = [.. result.Items.Where(i => i.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))];
            if (refused.Count > 0)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
                return "subscription refused: " + string.Join(", ", refused.Select(i => $"{i.TopicFilter.Topic} ({i.ResultCode})"));
            }

            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {_limits.ConnectTimeout.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (e is MqttCommunicationException or InvalidOperationException)
        {
            return e.Message;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async Task KeepConnectedAsync()
    {
        CancellationToken stop = _stop.Token;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (!_client.IsConnected && await ConnectAsync(stop).ConfigureAwait(false) is null)
                {
                    Interlocked.Increment(ref _reconnects);
                }

                await Task.Delay(_client.IsConnected ? _limits.FetchWait : _limits.ReconnectDelay, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        MqttApplicationMessage message = args.ApplicationMessage;
        if (MqttRegionTopics.Parse(_region, message.Topic) is not { } topic)
        {
            // Nothing else is subscribed; a stray message is acknowledged (by default) and ignored.
            Interlocked.Increment(ref _ignored);
            return;
        }

        if (message.Payload.Length > _limits.MaxMessageBytes)
        {
            // Acknowledged and dropped: a message this large would be refused every time it came back.
            Interlocked.Increment(ref _oversized);
            return;
        }

        switch (topic.Kind)
        {
            case MqttInboundTopic.Delta:
                await AcceptDeltaAsync(args, topic.Source).ConfigureAwait(false);
                break;
            case MqttInboundTopic.Status:
                _signals.Writer.TryWrite(new InboundSignal(InboundSignalKind.SiteReport, topic.Source, message.Payload.ToArray()));
                break;
            case MqttInboundTopic.RegionDelta:
                _signals.Writer.TryWrite(new InboundSignal(InboundSignalKind.RegionDelta, topic.Source, message.Payload.ToArray()));
                break;
            default:
                // Enrollment and attestation: answered by the request loop, so a slow handler never holds back
                // deltas. A request is acknowledged at once; a lost one is retried by the requester.
                _requests.Writer.TryWrite(message);
                break;
        }
    }

    private async Task AcceptDeltaAsync(MqttApplicationMessageReceivedEventArgs args, string site)
    {
        MqttApplicationMessage message = args.ApplicationMessage;
        args.AutoAcknowledge = false;
        long token = Interlocked.Increment(ref _nextToken);
        _delivered[token] = new Delivery(args, Interlocked.Read(ref _generation));
        ulong? committed = null;
        if (message.UserProperties?.FirstOrDefault(p => p.Name == MqttRegionTopics.CommittedProperty) is { } property
            && ulong.TryParse(property.ReadValueAsString(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong c))
        {
            committed = c;
        }

        try
        {
            // Waits while the loop is behind (bounded): that holds back MQTTnet and, through the receive maximum, the broker.
            await _deltas.Writer.WriteAsync(new InboundDelta(site, message.Payload.ToArray(), committed, token), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // Stopping: unacknowledged, so the broker delivers it again to the next run.
            _delivered.TryRemove(token, out _);
        }
    }

    // The Grey-Region user properties' values (none when the edge sent no such property).
    private static IReadOnlyList<string?> NamedRegions(MqttApplicationMessage request) =>
        request.UserProperties is { } properties
            ? [.. properties.Where(p => p.Name == RegionRequestScope.Header).Select(p => p.ReadValueAsString())]
            : [];

    private async Task ServeRequestsAsync(RegionRequestHandler handler)
    {
        CancellationToken stop = _stop.Token;
        try
        {
            await foreach (MqttApplicationMessage request in _requests.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                if (MqttRegionTopics.Parse(_region, request.Topic) is not { } topic
                    || request.ResponseTopic is not { } responseTopic
                    || !responseTopic.StartsWith($"grey/reply/{topic.Source}/", StringComparison.Ordinal)
                    || responseTopic.AsSpan().IndexOfAny('+', '#') >= 0)
                {
                    // No (or a foreign) place to answer: a site may only be answered in its own reply tree.
                    Interlocked.Increment(ref _ignored);
                    continue;
                }

                if (!RegionRequestScope.Answers(_region, NamedRegions(request)))
                {
                    // Another region's site on a shared broker: that region answers, this one stays silent.
                    Interlocked.Increment(ref _requestsForOtherRegions);
                    continue;
                }

                RegionRequestKind kind = topic.Kind == MqttInboundTopic.Enroll ? RegionRequestKind.Enroll : RegionRequestKind.Attest;
                byte[]? reply = await handler(kind, topic.Source, request.Payload.ToArray(), stop).ConfigureAwait(false);
                if (reply is null)
                {
                    continue;
                }

                MqttApplicationMessageBuilder answer = new MqttApplicationMessageBuilder()
                    .WithTopic(responseTopic)
                    .WithPayload(reply)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
                if (request.CorrelationData is { } correlation)
                {
                    answer = answer.WithCorrelationData(correlation);
                }

                try
                {
                    await PublishMessageAsync(answer.Build(), stop).ConfigureAwait(false);
                }
                catch (RegionTransportException)
                {
                    // The requester retries after its own timeout.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>A delivered delta awaiting its PUBACK, and the connection (generation) that delivered it.</summary>
    private sealed record Delivery(MqttApplicationMessageReceivedEventArgs Args, long Generation);
}
