using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace Grey.Edge.Uplink.Nats.Tests;

public sealed class PublishPipelineTests
{
    private static readonly NatsUplinkOptions Options = new()
    {
        Region = "r1",
        Site = "s",
        Urls = "nats://127.0.0.1:1",
        MaxRetries = 2,
        BreakerMinimumThroughput = 4,
        BreakerFailureRatio = 0.5,
    };

    [Fact]
    public async Task Execute_UnavailableEveryTime_RetriesThenBreakerOpensAndAnswersAtOnce()
    {
        var metrics = new NatsUplinkMetrics();
        var opened = 0;
        var pipeline = PublishPipeline.Build(Options, TimeProvider.System, () => 0.01, metrics, () => true, _ => opened++);
        var calls = 0;

        var first = await pipeline.ExecuteAsync(_ =>
        {
            calls++;
            return ValueTask.FromResult(new UplinkPublishResult(UplinkPublishStatus.Unavailable, "x"));
        });
        Assert.Equal(UplinkPublishStatus.Unavailable, first.Status);
        Assert.Equal(3, calls);
        Assert.Equal(2, metrics.PublishRetries);

        await Assert.ThrowsAsync<BrokenCircuitException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            calls++;
            return ValueTask.FromResult(new UplinkPublishResult(UplinkPublishStatus.Unavailable, "x"));
        }));
        Assert.Equal(1, opened);
        Assert.Equal(1, metrics.BreakerOpened);
        var before = calls;
        await Assert.ThrowsAsync<BrokenCircuitException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.FromResult(new UplinkPublishResult(UplinkPublishStatus.Accepted))));
        Assert.Equal(before, calls);
    }

    [Fact]
    public async Task Execute_LinkDown_NoRetry()
    {
        var metrics = new NatsUplinkMetrics();
        var pipeline = PublishPipeline.Build(Options, TimeProvider.System, () => 0.5, metrics, () => false, _ => { });
        var calls = 0;

        await pipeline.ExecuteAsync(_ =>
        {
            calls++;
            return ValueTask.FromResult(new UplinkPublishResult(UplinkPublishStatus.Unavailable));
        });

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Execute_RejectedOrDuplicate_NotRetried()
    {
        var pipeline = PublishPipeline.Build(Options, TimeProvider.System, () => 0.5, new NatsUplinkMetrics(), () => true, _ => { });
        var calls = 0;

        var r = await pipeline.ExecuteAsync(_ =>
        {
            calls++;
            return ValueTask.FromResult(new UplinkPublishResult(calls == 1 ? UplinkPublishStatus.Rejected : UplinkPublishStatus.Duplicate));
        });

        Assert.Equal(UplinkPublishStatus.Rejected, r.Status);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Execute_FakeTime_RetryDelaysFollowInjectedClockAndSeed()
    {
        var time = new FakeTimeProvider();
        var random = new Random(77);
        var pipeline = PublishPipeline.Build(Options with { BreakerMinimumThroughput = 100 }, time, random.NextDouble, new NatsUplinkMetrics(), () => true, _ => { });
        var calls = 0;

        var run = pipeline.ExecuteAsync(_ =>
        {
            calls++;
            return ValueTask.FromResult(new UplinkPublishResult(calls < 3 ? UplinkPublishStatus.Unavailable : UplinkPublishStatus.Accepted));
        }).AsTask();
        for (var i = 0; i < 200 && !run.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1);
        }

        Assert.True(run.IsCompleted, "retries did not progress with the fake clock");
        Assert.Equal(UplinkPublishStatus.Accepted, (await run).Status);
        Assert.Equal(3, calls);
    }
}
