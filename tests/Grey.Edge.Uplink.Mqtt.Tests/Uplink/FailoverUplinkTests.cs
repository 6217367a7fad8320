using Grey.Edge.Uplink.Mqtt.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace Grey.Edge.Uplink.Mqtt.Tests.Uplink;

/// <summary>The failover logic with two in-memory uplinks and a fake clock.</summary>
public sealed class FailoverUplinkTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static readonly FailoverUplinkOptions Options = new()
    {
        MinimumThroughput = 4,
        FailureRatio = 0.5,
        SamplingDuration = TimeSpan.FromSeconds(10),
        BreakDuration = TimeSpan.FromSeconds(15),
    };

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeUplink nats = new("nats");
    private readonly FakeUplink mqtt = new("mqtt");

    private static OutgoingDelta Delta(ulong index) => new($"s:1:{index}-{index}", index, index, new byte[] { (byte)index }, index);

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task PublishDeltaAsync_PreferredHealthy_OnlyPreferredCarries()
    {
        await using var failover = FailoverUplink.Create(nats, mqtt, Options, time);

        for (ulong i = 1; i <= 5; i++)
        {
            Assert.Equal(UplinkPublishStatus.Accepted, (await failover.PublishDeltaAsync(Delta(i), default)).Status);
        }

        Assert.Equal(5, nats.Published.Count);
        Assert.Empty(mqtt.Published);
        Assert.Same(nats, failover.Active);
    }

    [Fact]
    public async Task PublishDeltaAsync_PreferredUnavailable_SameDeltaStoredOnFallbackAtOnce()
    {
        await using var failover = FailoverUplink.Create(nats, mqtt, Options, time);
        nats.PublishStatus = UplinkPublishStatus.Unavailable;

        var result = await failover.PublishDeltaAsync(Delta(1), default);

        Assert.Equal(UplinkPublishStatus.Accepted, result.Status);
        Assert.Equal("s:1:1-1", Assert.Single(mqtt.Published).MessageId);
        Assert.Single(nats.Published);
        Assert.Equal(1, failover.CarriedByFallback);
    }

    [Fact]
    public async Task PublishDeltaAsync_PreferredKeepsFailing_CircuitOpensAndPreferredIsNoLongerTried()
    {
        await using var failover = FailoverUplink.Create(nats, mqtt, Options, time);
        nats.PublishStatus = UplinkPublishStatus.Unavailable;

        for (ulong i = 1; i <= 10; i++)
        {
            Assert.True((await failover.PublishDeltaAsync(Delta(i), default)).Stored);
        }

        Assert.Equal(Options.MinimumThroughput, nats.Published.Count);
        Assert.Equal(10, mqtt.Published.Count);
        Assert.Equal(CircuitState.Open, failover.PreferredCircuit);
        Assert.Same(mqtt, failover.Active);
        Assert.Equal(1, failover.Failovers);
    }

    [Fact]
    public async Task PublishDeltaAsync_AfterBreakDurationPreferredHealthyAgain_ProbeSucceedsAndTrafficFailsBack()
    {
        await using var failover = FailoverUplink.Create(nats, mqtt, Options, time);
        nats.PublishStatus = UplinkPublishStatus.Unavailable;
        for (ulong i = 1; i <= 4; i++)
        {
            await failover.PublishDeltaAsync(Delta(i), default);
        }

        Assert.Equal(CircuitState.Open, failover.PreferredCircuit);
        nats.PublishStatus = UplinkPublishStatus.Accepted;
        time.Advance(TimeSpan.FromSeconds(5));
        await failover.PublishDeltaAsync(Delta(5), default);
        Assert.Equal(4, nats.Published.Count); // still open: no probe before the break duration

        time.Advance(Options.BreakDuration);
        await failover.PublishDeltaAsync(Delta(6), default);
        await failover.PublishDeltaAsync(Delta(7), default);

        Assert.Equal(CircuitState.Closed, failover.PreferredCircuit);
        Assert.Equal(new ulong[] { 1, 2, 3, 4, 6, 7 }, nats.Published.Select(d => d.FirstIndex));
        Assert.Equal(new ulong[] { 1, 2, 3, 4, 5 }, mqtt.Published.Select(d => d.FirstIndex));
        Assert.Equal(1, failover.Failbacks);
    }

    [Fact]
    public async Task Inbound_PreferredLinkDown_IsolatesAtOnceAndLinkUpFailsBack()
    {
        await using var failover = FailoverUplink.Create(nats, mqtt, Options, time);

        nats.GoDown();
        await Until(() => failover.PreferredCircuit == CircuitState.Isolated);
        await failover.PublishDeltaAsync(Delta(1), default);
        Assert.Empty(nats.Published);
        Assert.Single(mqtt.Published);

        nats.GoUp();
        var up = await failover.Inbound.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal((UplinkInboundKind.LinkUp, "nats"), (up.Kind, up.Via));
        await Until(() => failover.PreferredCircuit == CircuitState.Closed);
        await failover.PublishDeltaAsync(Delta(2), default);
        Assert.Equal(2ul, Assert.Single(nats.Published).FirstIndex);
    }

    [Fact]
    public async Task Inbound_OneLinkDown_LinkDownHeldBackUntilBothAreDown()
    {
        await using var failover = FailoverUplink.Create(nats, mqtt, Options, time);

        nats.GoDown();
        mqtt.Emit(UplinkInboundKind.Ack, 1);
        var first = await failover.Inbound.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(UplinkInboundKind.Ack, first.Kind);
        Assert.True(failover.IsConnected);

        mqtt.GoDown();
        var down = await failover.Inbound.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal((UplinkInboundKind.LinkDown, "mqtt"), (down.Kind, down.Via));
        Assert.False(failover.IsConnected);
    }

    [Fact]
    public async Task Inbound_BothStreams_MergedWithTheirOrigin()
    {
        await using var failover = FailoverUplink.Create(nats, mqtt, Options, time);

        // A delta shipped on NATS and acknowledged over MQTT: the outbox sees the ack whichever way it came.
        await failover.PublishDeltaAsync(Delta(1), default);
        mqtt.Emit(UplinkInboundKind.Ack, 1);
        nats.Emit(UplinkInboundKind.Nak, 2);
        mqtt.Emit(UplinkInboundKind.Desired, 3);

        var seen = new List<(UplinkInboundKind, string, byte)>();
        for (var i = 0; i < 3; i++)
        {
            var item = await failover.Inbound.ReadAsync().AsTask().WaitAsync(Wait);
            seen.Add((item.Kind, item.Via, item.Payload.Span[0]));
        }

        Assert.Equal(
            new[] { (UplinkInboundKind.Ack, "mqtt", (byte)1), (UplinkInboundKind.Nak, "nats", (byte)2), (UplinkInboundKind.Desired, "mqtt", (byte)3) }.OrderBy(x => x.Item3),
            seen.OrderBy(x => x.Item3));
    }

    [Fact]
    public async Task PublishDeltaAsync_BothFail_UnavailableWinsOverRejected()
    {
        await using var failover = FailoverUplink.Create(nats, mqtt, Options, time);
        nats.PublishStatus = UplinkPublishStatus.Rejected;
        mqtt.PublishStatus = UplinkPublishStatus.Unavailable;

        Assert.Equal(UplinkPublishStatus.Unavailable, (await failover.PublishDeltaAsync(Delta(1), default)).Status);

        mqtt.PublishStatus = UplinkPublishStatus.Rejected;
        var both = await failover.PublishDeltaAsync(Delta(2), default);
        Assert.Equal(UplinkPublishStatus.Rejected, both.Status);
        Assert.Contains("nats", both.Detail, StringComparison.Ordinal);
        Assert.Contains("mqtt", both.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestAsync_PreferredHasNoReply_FallbackAnswers()
    {
        await using var failover = FailoverUplink.Create(nats, mqtt, Options, time);
        mqtt.Reply = _ => new UplinkReply(new byte[] { 9 }, null);

        var reply = await failover.RequestAsync(UplinkRequestKind.Enroll, new byte[] { 1 }, TimeSpan.FromSeconds(5), default);

        Assert.Equal(9, reply.Payload!.Value.Span[0]);
        Assert.Equal((1, 1), (nats.RequestCalls, mqtt.RequestCalls));
    }

    [Fact]
    public async Task PublishReportAsync_PreferredDown_GoesToFallback()
    {
        await using var failover = FailoverUplink.Create(nats, mqtt, Options, time);
        nats.GoDown();
        await Until(() => failover.PreferredCircuit == CircuitState.Isolated);

        Assert.True((await failover.PublishReportAsync(new byte[] { 1 }, default)).Stored);
        Assert.Equal((0, 1), (nats.ReportCalls, mqtt.ReportCalls));
    }

    [Fact]
    public async Task DisposeAsync_DisposesBothAndCompletesInbound()
    {
        var failover = FailoverUplink.Create(nats, mqtt, Options, time);

        await failover.DisposeAsync();

        Assert.True(nats.Disposed && mqtt.Disposed);
        Assert.False(await failover.Inbound.WaitToReadAsync().AsTask().WaitAsync(Wait));
    }

    [Fact]
    public void Create_Misuse_Throws()
    {
        Assert.Throws<ArgumentException>(() => FailoverUplink.Create(nats, nats, Options, time));
        var error = Assert.Throws<ArgumentException>(() => FailoverUplink.Create(nats, mqtt, Options with { FailureRatio = 2, MinimumThroughput = 1 }, time));
        Assert.Contains("FailureRatio", error.Message, StringComparison.Ordinal);
        Assert.Contains("MinimumThroughput", error.Message, StringComparison.Ordinal);
    }
}
