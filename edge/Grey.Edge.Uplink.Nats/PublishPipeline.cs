using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Grey.Edge.Uplink.Nats;

/// <summary>
/// The Polly pipeline around one delta publish, outermost first: retry with exponential back-off and jitter
/// (only while the link is up: with the link down the outbox resends on LinkUp instead), a circuit breaker
/// (after a run of failed attempts it answers Unavailable at once for <see cref="NatsUplinkOptions.BreakerBreakDuration"/>),
/// and a per-attempt timeout. Time comes from the injected <see cref="TimeProvider"/> and jitter from the
/// injected random source, so a test can drive both.
/// </summary>
internal static class PublishPipeline
{
    /// <summary>Builds the pipeline.</summary>
    public static ResiliencePipeline<UplinkPublishResult> Build(
        NatsUplinkOptions options,
        TimeProvider time,
        Func<double> randomizer,
        NatsUplinkMetrics metrics,
        Func<bool> linkUp,
        Action<TimeSpan> onOpened)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ResiliencePipelineBuilder<UplinkPublishResult> { TimeProvider = time, Name = "grey-nats-publish" };
        builder.AddRetry(new RetryStrategyOptions<UplinkPublishResult>
        {
            MaxRetryAttempts = Math.Max(options.MaxRetries, 1),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryBaseDelay,
            MaxDelay = options.RetryMaxDelay,
            Randomizer = randomizer,
            ShouldHandle = args => new ValueTask<bool>(options.MaxRetries > 0 && linkUp() && IsTransient(args.Outcome)),
            OnRetry = _ =>
            {
                metrics.Retry();
                return default;
            },
        });
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<UplinkPublishResult>
        {
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakerBreakDuration,
            ShouldHandle = args => new ValueTask<bool>(IsTransient(args.Outcome)),
            OnOpened = args =>
            {
                metrics.Opened();
                onOpened(args.BreakDuration);
                return default;
            },
        });
        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = options.AttemptTimeout });
        return builder.Build();
    }

    /// <summary>A timed-out attempt or an Unavailable answer may succeed later; a rejection or a stored message is final.</summary>
    public static bool IsTransient(Outcome<UplinkPublishResult> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException } => true,
        { Exception: null, Result.Status: UplinkPublishStatus.Unavailable } => true,
        _ => false,
    };
}
