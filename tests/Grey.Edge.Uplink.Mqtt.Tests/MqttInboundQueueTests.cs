namespace Grey.Edge.Uplink.Mqtt.Tests;

public sealed class MqttInboundQueueTests
{
    private static UplinkInbound Item(UplinkInboundKind kind, byte tag = 0) => new(kind, new[] { tag }, "mqtt");

    [Fact]
    public async Task WriteAsync_Full_EvictsOldestAckFirstAndCountsIt()
    {
        var queue = new MqttInboundQueue(2);
        await queue.WriteAsync(Item(UplinkInboundKind.Ack, 1), default);
        await queue.WriteAsync(Item(UplinkInboundKind.Revoke, 2), default);

        Assert.True(await queue.WriteAsync(Item(UplinkInboundKind.Ack, 3), default));

        Assert.True(queue.TryRead(out var first));
        Assert.True(queue.TryRead(out var second));
        Assert.Equal((UplinkInboundKind.Revoke, (byte)2), (first.Kind, first.Payload.Span[0]));
        Assert.Equal((UplinkInboundKind.Ack, (byte)3), (second.Kind, second.Payload.Span[0]));
        Assert.Equal(1, queue.Dropped);
    }

    [Fact]
    public async Task WriteAsync_FullOfDesired_AckIsDroppedButDesiredWaitsForRoom()
    {
        var queue = new MqttInboundQueue(1);
        await queue.WriteAsync(Item(UplinkInboundKind.Desired, 1), default);

        Assert.False(await queue.WriteAsync(Item(UplinkInboundKind.Ack, 2), default));
        var waiting = queue.WriteAsync(Item(UplinkInboundKind.Desired, 3), default).AsTask();
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);

        Assert.True(queue.TryRead(out _));
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(queue.TryRead(out var last));
        Assert.Equal((byte)3, last.Payload.Span[0]);
        Assert.Equal(1, queue.Dropped);
    }

    [Fact]
    public async Task WriteAsync_FullOfLinkEvents_AckCannotPushThemOutButRevokeCan()
    {
        var queue = new MqttInboundQueue(1);
        await queue.WriteAsync(Item(UplinkInboundKind.LinkUp), default);

        Assert.False(await queue.WriteAsync(Item(UplinkInboundKind.Nak), default));
        Assert.True(await queue.WriteAsync(Item(UplinkInboundKind.Revoke), default));
        Assert.True(queue.TryRead(out var only));
        Assert.Equal(UplinkInboundKind.Revoke, only.Kind);
    }

    [Fact]
    public async Task Complete_AfterDrain_CompletesAndRefusesWrites()
    {
        var queue = new MqttInboundQueue(4);
        await queue.WriteAsync(Item(UplinkInboundKind.Ack), default);
        queue.Complete();

        Assert.False(await queue.WriteAsync(Item(UplinkInboundKind.Ack), default));
        Assert.True(await queue.WaitToReadAsync());
        Assert.True(queue.TryRead(out _));
        Assert.False(await queue.WaitToReadAsync());
        await queue.Completion.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
