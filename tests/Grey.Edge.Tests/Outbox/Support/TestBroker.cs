using System.Collections.Concurrent;
using System.Threading.Channels;
using Grey.Edge.Uplink;
using Grey.Federation.Messages;
using Grey.Region.Ingest;

namespace Grey.Edge.Tests.Outbox.Support;

/// <summary>
/// A stand-in for NATS between the site's nodes and a <see cref="TestRegion"/>: a delta published while the broker
/// is up is stored (the publish completes, as a JetStream PubAck would) and delivered to the region in publish
/// order by a background task (ingest, flush); the region's signed acks and NAKs go to every connected node's
/// inbound channel, as <c>grey.ack.&lt;site&gt;</c> and <c>grey.nak.&lt;site&gt;</c> would. Switches
/// make it go offline, lose deltas after accepting them (the region never sees them), deliver each delta twice,
/// or swallow acks. Records every publish and ingest result.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<ulong, TestUplink> uplinks = new();
    private readonly Channel<OutgoingDelta> stream = Channel.CreateUnbounded<OutgoingDelta>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TestRegion region;
    private readonly Task delivery;
    private volatile bool online = true;

    public TestBroker(TestRegion region)
    {
        this.region = region;
        delivery = Task.Run(DeliverAsync);
    }

    public TestRegion Region => region;

    public ConcurrentQueue<OutgoingDelta> Published { get; } = new();

    public ConcurrentQueue<IngestResult> Ingested { get; } = new();

    public ConcurrentQueue<byte[]> Reports { get; } = new();

    /// <summary>Deltas to accept and then lose (never delivered to the region).</summary>
    public int LoseNext { get; set; }

    /// <summary>Deliver every delta twice (the same bytes, as a redelivery would).</summary>
    public bool DuplicateDelivery { get; set; }

    /// <summary>Swallow the region's acks.</summary>
    public bool HoldAcks { get; set; }

    public bool Online => online;

    public TestUplink Connect(ulong nodeId)
    {
        var uplink = new TestUplink(this, nodeId);
        uplinks[nodeId] = uplink;
        return uplink;
    }

    public void Disconnect(TestUplink uplink) => uplinks.TryRemove(KeyValuePair.Create(uplink.NodeId, uplink));

    /// <summary>Stops or starts the broker; connected uplinks see link down / link up.</summary>
    public void SetOnline(bool value)
    {
        online = value;
        foreach (var u in uplinks.Values)
        {
            u.Push(new UplinkInbound(value ? UplinkInboundKind.LinkUp : UplinkInboundKind.LinkDown, ReadOnlyMemory<byte>.Empty, "test"));
        }
    }

    /// <summary>Sends <paramref name="payload"/> to every connected node as <paramref name="kind"/>.</summary>
    public void Broadcast(UplinkInboundKind kind, byte[] payload)
    {
        foreach (var u in uplinks.Values)
        {
            u.Push(new UplinkInbound(kind, payload, "test"));
        }
    }

    public int IngestedCount(IngestStatus status) => Ingested.Count(r => r.Status == status);

    internal UplinkPublishResult Publish(OutgoingDelta delta)
    {
        if (!online)
        {
            return new UplinkPublishResult(UplinkPublishStatus.Unavailable, "broker offline");
        }

        Published.Enqueue(delta);
        stream.Writer.TryWrite(delta);
        return new UplinkPublishResult(UplinkPublishStatus.Accepted);
    }

    public async ValueTask DisposeAsync()
    {
        stream.Writer.TryComplete();
        await delivery;
    }

    private async Task DeliverAsync()
    {
        await foreach (var delta in stream.Reader.ReadAllAsync())
        {
            if (LoseNext > 0)
            {
                LoseNext--;
                continue;
            }

            for (var i = 0; i < (DuplicateDelivery ? 2 : 1); i++)
            {
                var (result, acks) = region.Deliver(delta.Wire, TestSiteWithOutbox.SiteId);
                Ingested.Enqueue(result);
                if (result.Nak is { } nak)
                {
                    Broadcast(UplinkInboundKind.Nak, new SiteNak(nak.Region, nak.Site, nak.Epoch, nak.FirstMissingIndex).Encode());
                }

                if (!HoldAcks)
                {
                    foreach (var ack in acks)
                    {
                        Broadcast(UplinkInboundKind.Ack, ack.Wire);
                    }
                }
            }
        }
    }

    internal void Report(ReadOnlyMemory<byte> report) => Reports.Enqueue(report.ToArray());
}

/// <summary>One node's link to the <see cref="TestBroker"/>.</summary>
internal sealed class TestUplink(TestBroker broker, ulong nodeId) : IUplink
{
    private readonly Channel<UplinkInbound> inbound = Channel.CreateBounded<UplinkInbound>(new BoundedChannelOptions(UplinkLimits.InboundCapacity)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
    });

    public ulong NodeId => nodeId;

    public string Name => "test";

    public bool IsConnected => broker.Online;

    public ChannelReader<UplinkInbound> Inbound => inbound.Reader;

    public void Push(UplinkInbound message) => inbound.Writer.TryWrite(message);

    public ValueTask<UplinkPublishResult> PublishDeltaAsync(OutgoingDelta delta, CancellationToken cancellationToken) =>
        ValueTask.FromResult(broker.Publish(delta));

    public ValueTask<UplinkPublishResult> PublishReportAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken)
    {
        if (!broker.Online)
        {
            return ValueTask.FromResult(new UplinkPublishResult(UplinkPublishStatus.Unavailable));
        }

        broker.Report(report);
        return ValueTask.FromResult(new UplinkPublishResult(UplinkPublishStatus.Accepted));
    }

    public ValueTask<UplinkReply> RequestAsync(UplinkRequestKind kind, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new UplinkReply(null, "not used by the outbox tests"));

    public ValueTask DisposeAsync()
    {
        inbound.Writer.TryComplete();
        broker.Disconnect(this);
        return ValueTask.CompletedTask;
    }
}
