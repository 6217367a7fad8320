using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Grey.Edge.Uplink.Mqtt.Tests.Support;

/// <summary>An in-memory uplink whose answers the test sets; records every call.</summary>
internal sealed class FakeUplink(string name) : IUplink
{
    private readonly Channel<UplinkInbound> inbound = Channel.CreateUnbounded<UplinkInbound>();

    public string Name => name;

    public bool IsConnected { get; set; } = true;

    public ChannelReader<UplinkInbound> Inbound => inbound.Reader;

    public UplinkPublishStatus PublishStatus { get; set; } = UplinkPublishStatus.Accepted;

    public ConcurrentQueue<OutgoingDelta> Published { get; } = new();

    public int ReportCalls;

    public int RequestCalls;

    public Func<UplinkRequestKind, UplinkReply> Reply { get; set; } = _ => new UplinkReply(null, "no reply");

    public bool Disposed { get; private set; }

    public void Emit(UplinkInboundKind kind, params byte[] payload) => inbound.Writer.TryWrite(new UplinkInbound(kind, payload, name));

    public void GoDown()
    {
        IsConnected = false;
        Emit(UplinkInboundKind.LinkDown);
    }

    public void GoUp()
    {
        IsConnected = true;
        Emit(UplinkInboundKind.LinkUp);
    }

    public ValueTask<UplinkPublishResult> PublishDeltaAsync(OutgoingDelta delta, CancellationToken cancellationToken)
    {
        Published.Enqueue(delta);
        return ValueTask.FromResult(new UplinkPublishResult(PublishStatus, name + " " + PublishStatus));
    }

    public ValueTask<UplinkPublishResult> PublishReportAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ReportCalls);
        return ValueTask.FromResult(new UplinkPublishResult(IsConnected ? UplinkPublishStatus.Accepted : UplinkPublishStatus.Unavailable));
    }

    public ValueTask<UplinkReply> RequestAsync(UplinkRequestKind kind, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref RequestCalls);
        return ValueTask.FromResult(Reply(kind));
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        inbound.Writer.TryComplete();
        return default;
    }
}
