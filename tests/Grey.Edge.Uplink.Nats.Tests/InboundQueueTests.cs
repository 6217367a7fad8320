namespace Grey.Edge.Uplink.Nats.Tests;

public sealed class InboundQueueTests
{
    private static UplinkInbound Item(UplinkInboundKind kind, byte tag) => new(kind, new[] { tag }, "nats");

    [Fact]
    public void TryWrite_FullOfAcks_DropsOldestAckFirst()
    {
        var q = new InboundQueue(3);
        Assert.True(q.TryWrite(Item(UplinkInboundKind.Revoke, 1)));
        Assert.True(q.TryWrite(Item(UplinkInboundKind.Ack, 2)));
        Assert.True(q.TryWrite(Item(UplinkInboundKind.Nak, 3)));

        Assert.True(q.TryWrite(Item(UplinkInboundKind.Ack, 4)));

        Assert.Equal(1, q.Dropped);
        Assert.Equal(new byte[] { 1, 3, 4 }, Drain(q));
    }

    [Fact]
    public void TryWrite_FullOfRevocationsAndLinkEvents_AckDroppedNotTheOthers()
    {
        var q = new InboundQueue(2);
        q.TryWrite(Item(UplinkInboundKind.Revoke, 1));
        q.TryWrite(Item(UplinkInboundKind.LinkUp, 2));

        Assert.False(q.TryWrite(Item(UplinkInboundKind.Ack, 3)));
        Assert.True(q.TryWrite(Item(UplinkInboundKind.LinkDown, 4)));

        Assert.Equal(2, q.Dropped);
        Assert.Equal(new byte[] { 1, 4 }, Drain(q));
    }

    [Fact]
    public async Task WriteAsync_FullOfRevocations_WaitsForRoomNeverDrops()
    {
        var q = new InboundQueue(2);
        q.TryWrite(Item(UplinkInboundKind.Revoke, 1));
        q.TryWrite(Item(UplinkInboundKind.Desired, 2));

        var pending = q.WriteAsync(Item(UplinkInboundKind.Revoke, 3), CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);
        Assert.True(q.TryRead(out var first));
        Assert.True(await pending.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal(1, first.Payload.Span[0]);
        Assert.Equal(0, q.Dropped);
        Assert.Equal(new byte[] { 2, 3 }, Drain(q));
    }

    [Fact]
    public async Task WaitToReadAsync_Complete_DrainsThenEnds()
    {
        var q = new InboundQueue(4);
        var waiting = q.WaitToReadAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        q.TryWrite(Item(UplinkInboundKind.Ack, 9));
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        q.Complete();

        Assert.False(q.TryWrite(Item(UplinkInboundKind.Ack, 10)));
        Assert.Equal(new byte[] { 9 }, Drain(q));
        Assert.False(await q.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        await q.Completion.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void TryWrite_SeededRandomMix_NeverDropsRevocationsAndStaysBounded()
    {
        const int seed = 6061;
        var random = new Random(seed);
        var q = new InboundQueue(16);
        var revokesIn = 0;
        var revokesOut = 0;
        for (var i = 0; i < 5000; i++)
        {
            var kind = (UplinkInboundKind)random.Next(0, 6);
            if (kind is UplinkInboundKind.Revoke or UplinkInboundKind.Desired)
            {
                if (q.Count >= 16 && q.TryRead(out var r) && r.Kind is UplinkInboundKind.Revoke or UplinkInboundKind.Desired)
                {
                    revokesOut++;
                }

                if (q.TryWrite(Item(kind, 0)))
                {
                    revokesIn++;
                }
                else
                {
                    Assert.Fail($"seed {seed}: a revocation found no room although an item was just read");
                }
            }
            else
            {
                q.TryWrite(Item(kind, 0));
            }

            Assert.InRange(q.Count, 0, 16);
        }

        while (q.TryRead(out var r))
        {
            if (r.Kind is UplinkInboundKind.Revoke or UplinkInboundKind.Desired)
            {
                revokesOut++;
            }
        }

        Assert.Equal(revokesIn, revokesOut);
    }

    private static byte[] Drain(InboundQueue q)
    {
        var list = new List<byte>();
        while (q.TryRead(out var item))
        {
            list.Add(item.Payload.Span[0]);
        }

        return [.. list];
    }
}
