using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>
/// The Polly pipelines of the MQTT uplink, all on the injected <see cref="TimeProvider"/> and with jitter from the
/// injected seeded random source: publish (retry while the link is up, circuit breaker, per-attempt timeout) and
/// connect (retry forever with jittered exponential back-off, per-attempt timeout).
/// </summary>
internal static class MqttPipelines
{
    /// <summary>
    /// Publish: retry → circuit breaker → timeout → attempt. A retry happens only while the link is up: with the
    /// link down the outbox is told at once (Unavailable) and resends on LinkUp instead of piling up waits.
    /// </summary>
    public static ResiliencePipeline<UplinkPublishResult> Publish(MqttUplinkOptions options, TimeProvider time, Func<double> jitter, Func<bool> isConnected, Action onRetry, Action<TimeSpan> onOpened)
    {
        static bool Failed(Outcome<UplinkPublishResult> outcome) =>
            outcome.Exception is TimeoutRejectedException || (outcome.Exception is null && outcome.Result.Status == UplinkPublishStatus.Unavailable);

        return new ResiliencePipelineBuilder<UplinkPublishResult> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<UplinkPublishResult>
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                ShouldHandle = args => ValueTask.FromResult(options.MaxRetries > 0 && Failed(args.Outcome) && isConnected()),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(options.RetryBaseDelay, options.RetryMaxDelay, args.AttemptNumber, jitter())),
                OnRetry = _ =>
                {
                    onRetry();
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<UplinkPublishResult>
            {
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(Failed(args.Outcome)),
                OnOpened = args =>
                {
                    onOpened(args.BreakDuration);
                    return default;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <summary>
    /// Connect: the attempt returns null when connected and subscribed, or the reason it is not; retried until it
    /// succeeds or the uplink stops, waiting between <see cref="MqttUplinkOptions.ReconnectWaitMin"/> and
    /// <see cref="MqttUplinkOptions.ReconnectWaitMax"/> (exponential, full jitter).
    /// </summary>
    public static ResiliencePipeline<string?> Connect(MqttUplinkOptions options, TimeProvider time, Func<double> jitter, Action<Outcome<string?>> onFailure)
    {
        return new ResiliencePipelineBuilder<string?> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<string?>
            {
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is TimeoutRejectedException || (args.Outcome.Exception is null && args.Outcome.Result is not null)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(options.ReconnectWaitMin, options.ReconnectWaitMax, args.AttemptNumber, jitter())),
                OnRetry = args =>
                {
                    onFailure(args.Outcome);
                    return default;
                },
            })
            .AddTimeout(options.ConnectTimeout)
            .Build();
    }

    /// <summary>
    /// Exponential back-off with full jitter, never below half the base (so a burst of failures cannot spin):
    /// <c>min(max, base·2^attempt) · (0.5 + jitter/2)</c>, <paramref name="jitter"/> in [0, 1).
    /// </summary>
    public static TimeSpan Backoff(TimeSpan baseDelay, TimeSpan maxDelay, int attempt, double jitter)
    {
        var ceiling = Math.Min(maxDelay.Ticks, baseDelay.Ticks * (1L << Math.Clamp(attempt, 0, 30)));
        return TimeSpan.FromTicks((long)(ceiling * (0.5 + (jitter / 2))));
    }
}
