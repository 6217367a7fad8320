using System.Threading.Channels;
using Polly;
using Polly.CircuitBreaker;

namespace Grey.Edge.Uplink;

/// <summary>
/// Two uplinks as one (typically NATS preferred, MQTT fallback): deltas go to the preferred uplink while its
/// circuit is closed; a publish it cannot store is given to the fallback at once, and when failures pile up (Polly
/// circuit breaker) or the preferred link reports itself down, the fallback carries everything until a probe after
/// <see cref="FailoverUplinkOptions.BreakDuration"/> succeeds or the preferred link comes back up: then traffic
/// fails back. The inbound streams of both are merged, so a delta shipped on one and acknowledged on the other is
/// fine: the region de-duplicates by index and the outbox settles acks by index, whichever way they come.
/// The one entry point is <see cref="Create"/>.
/// </summary>
internal sealed class FailoverUplink : IUplink
{
    /// <summary>How long <see cref="DisposeAsync"/> waits for the inbound pumps after disposing both uplinks.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly IUplink preferred;
    private readonly IUplink fallback;
    private readonly TimeProvider time;
    private readonly Channel<UplinkInbound> merged;
    private readonly ResiliencePipeline<UplinkPublishResult> breaker;
    private readonly CircuitBreakerStateProvider breakerState = new();
    private readonly CircuitBreakerManualControl breakerControl = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly object linkGate = new();
    private Task pumps = Task.CompletedTask;
    private bool preferredUp;
    private bool fallbackUp;
    private long failovers;
    private long failbacks;
    private long carriedByFallback;
    private int disposed;

    private FailoverUplink(IUplink preferred, IUplink fallback, FailoverUplinkOptions options, TimeProvider time)
    {
        this.preferred = preferred;
        this.fallback = fallback;
        this.time = time;
        merged = Channel.CreateBounded<UplinkInbound>(new BoundedChannelOptions(options.InboundCapacity)
        {
            // The pumps wait for room; the inner uplinks' own bounded queues apply the drop rule meanwhile.
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = false,
            SingleReader = true,
        });
        breaker = new ResiliencePipelineBuilder<UplinkPublishResult> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<UplinkPublishResult>
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                StateProvider = breakerState,
                ManualControl = breakerControl,

                // Unavailable and Rejected both count: a preferred uplink that refuses (permissions, no stream) is
                // as useless for now as one that is down, and the fallback may take the same bytes.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null and not OperationCanceledException || (args.Outcome.Exception is null && !args.Outcome.Result.Stored)),
                OnOpened = _ =>
                {
                    Interlocked.Increment(ref failovers);
                    return default;
                },
                OnClosed = _ =>
                {
                    Interlocked.Increment(ref failbacks);
                    return default;
                },
            })
            .Build();
    }

    /// <inheritdoc />
    public string Name => "failover";

    /// <inheritdoc />
    public bool IsConnected => preferred.IsConnected || fallback.IsConnected;

    /// <inheritdoc />
    public ChannelReader<UplinkInbound> Inbound => merged.Reader;

    /// <summary>The uplink new deltas go to now (the preferred one unless its circuit is open or isolated).</summary>
    public IUplink Active => PreferredUsable ? preferred : fallback;

    /// <summary>The preferred uplink's circuit state.</summary>
    public CircuitState PreferredCircuit => breakerState.CircuitState;

    /// <summary>Times the preferred uplink's circuit opened or was isolated (failovers).</summary>
    public long Failovers => Interlocked.Read(ref failovers);

    /// <summary>Times the circuit closed again after a probe or LinkUp (failbacks).</summary>
    public long Failbacks => Interlocked.Read(ref failbacks);

    /// <summary>Deltas the fallback stored.</summary>
    public long CarriedByFallback => Interlocked.Read(ref carriedByFallback);

    private bool PreferredUsable => breakerState.CircuitState is CircuitState.Closed or CircuitState.HalfOpen;

    /// <summary>
    /// The entry point: wraps <paramref name="preferred"/> and <paramref name="fallback"/> (both owned from now on:
    /// disposing the failover disposes them) and starts merging their inbound streams. Throws
    /// <see cref="ArgumentException"/> listing every problem of <paramref name="options"/>.
    /// </summary>
    public static FailoverUplink Create(IUplink preferred, IUplink fallback, FailoverUplinkOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(preferred);
        ArgumentNullException.ThrowIfNull(fallback);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (ReferenceEquals(preferred, fallback))
        {
            throw new ArgumentException("the preferred and the fallback uplink must differ", nameof(fallback));
        }

        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("failover options: " + string.Join("; ", errors), nameof(options));
        }

        var uplink = new FailoverUplink(preferred, fallback, options, time);
        uplink.preferredUp = preferred.IsConnected;
        uplink.fallbackUp = fallback.IsConnected;
        uplink.pumps = Task.WhenAll(uplink.PumpAsync(preferred, isPreferred: true), uplink.PumpAsync(fallback, isPreferred: false));
        return uplink;
    }

    /// <inheritdoc />
    public async ValueTask<UplinkPublishResult> PublishDeltaAsync(OutgoingDelta delta, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        UplinkPublishResult? first = null;

        // Through the breaker unless isolated (the preferred link said it is down): an open circuit answers at
        // once without touching the preferred uplink, and once the break is over it lets one probe through.
        if (breakerState.CircuitState != CircuitState.Isolated)
        {
            try
            {
                first = await breaker.ExecuteAsync(static (state, ct) => state.preferred.PublishDeltaAsync(state.delta, ct), (preferred, delta), cancellationToken).ConfigureAwait(false);
                if (first.Value.Stored)
                {
                    return first.Value;
                }
            }
            catch (BrokenCircuitException)
            {
                // Opened (or isolated, or half-open with a probe already running) since the check: use the fallback.
            }
        }

        var second = await fallback.PublishDeltaAsync(delta, cancellationToken).ConfigureAwait(false);
        if (second.Stored)
        {
            Interlocked.Increment(ref carriedByFallback);
            return second;
        }

        return Worse(first, second);
    }

    /// <inheritdoc />
    public async ValueTask<UplinkPublishResult> PublishReportAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var (first, second) = Order();
        var result = await first.PublishReportAsync(report, cancellationToken).ConfigureAwait(false);
        return result.Stored ? result : await second.PublishReportAsync(report, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<UplinkReply> RequestAsync(UplinkRequestKind kind, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var start = time.GetTimestamp();
        var (first, second) = Order();
        var reply = await first.RequestAsync(kind, payload, timeout, cancellationToken).ConfigureAwait(false);
        var left = timeout - time.GetElapsedTime(start);
        if (reply.Payload is not null || left <= TimeSpan.Zero)
        {
            return reply;
        }

        var other = await second.RequestAsync(kind, payload, left, cancellationToken).ConfigureAwait(false);
        return other.Payload is not null ? other : new UplinkReply(null, $"{first.Name}: {reply.Error}; {second.Name}: {other.Error}");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        await preferred.DisposeAsync().ConfigureAwait(false);
        await fallback.DisposeAsync().ConfigureAwait(false);
        try
        {
            await pumps.WaitAsync(StopTimeout, time).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or ChannelClosedException)
        {
            // The pumps end on cancellation or when the inner streams complete.
        }

        merged.Writer.TryComplete();
        stopping.Dispose();
    }

    // Unavailable beats Rejected: when either side may take the delta later, the outbox should simply resend.
    private static UplinkPublishResult Worse(UplinkPublishResult? first, UplinkPublishResult second)
    {
        if (first is not { } a)
        {
            return second;
        }

        var status = a.Status == UplinkPublishStatus.Unavailable || second.Status == UplinkPublishStatus.Unavailable ? UplinkPublishStatus.Unavailable : UplinkPublishStatus.Rejected;
        return new UplinkPublishResult(status, $"{a.Detail}; fallback: {second.Detail}");
    }

    private (IUplink First, IUplink Second) Order() =>
        PreferredUsable && (preferred.IsConnected || !fallback.IsConnected) ? (preferred, fallback) : (fallback, preferred);

    private async Task PumpAsync(IUplink source, bool isPreferred)
    {
        var token = stopping.Token;
        try
        {
            await foreach (var item in source.Inbound.ReadAllAsync(token).ConfigureAwait(false))
            {
                if (item.Kind is UplinkInboundKind.LinkUp or UplinkInboundKind.LinkDown)
                {
                    if (!await OnLinkAsync(item, isPreferred).ConfigureAwait(false))
                    {
                        continue;
                    }
                }

                await merged.Writer.WriteAsync(item, token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // Stopping.
        }
    }

    // Tracks both links and steers the circuit by the preferred one's events. Returns whether the event goes on to
    // the outbox: every LinkUp does (whichever link returns, resend at once), a LinkDown only when both are down.
    private async ValueTask<bool> OnLinkAsync(UplinkInbound item, bool isPreferred)
    {
        var up = item.Kind == UplinkInboundKind.LinkUp;
        bool bothDown;
        lock (linkGate)
        {
            if (isPreferred)
            {
                preferredUp = up;
            }
            else
            {
                fallbackUp = up;
            }

            bothDown = !preferredUp && !fallbackUp;
        }

        if (isPreferred)
        {
            try
            {
                if (up)
                {
                    await breakerControl.CloseAsync(stopping.Token).ConfigureAwait(false);
                }
                else
                {
                    await breakerControl.IsolateAsync(stopping.Token).ConfigureAwait(false);
                }
            }
            catch (ObjectDisposedException)
            {
                // Stopping.
            }
        }

        return up || bothDown;
    }
}
