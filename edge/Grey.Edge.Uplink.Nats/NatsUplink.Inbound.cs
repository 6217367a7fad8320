using NATS.Client.Core;

namespace Grey.Edge.Uplink.Nats;

/// <summary>The subscriptions: acks, NAKs, revocation notices and desired-state changes into the bounded inbound queue.</summary>
internal sealed partial class NatsUplink
{
    private async Task<Task> SubscribeAsync(string subject, UplinkInboundKind kind, CancellationToken cancellationToken)
    {
        var sub = await connection.SubscribeCoreAsync<byte[]>(subject, cancellationToken: cancellationToken).ConfigureAwait(false);
        return PumpAsync(sub, kind, cancellationToken);
    }

    private async Task PumpAsync(INatsSub<byte[]> sub, UplinkInboundKind kind, CancellationToken cancellationToken)
    {
        await using (sub.ConfigureAwait(false))
        {
            while (await sub.Msgs.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (sub.Msgs.TryRead(out var msg))
                {
                    Metrics.Inbound();
                    var data = msg.Data ?? [];
                    if (data.Length > options.MaxInboundBytes)
                    {
                        // Far larger than any ack, NAK or notice: dropped before anything parses it.
                        Metrics.Oversized();
                        NatsUplinkLog.Oversized(logger, options.Site, kind.ToString(), data.Length, options.MaxInboundBytes);
                        continue;
                    }

                    await inbound.WriteAsync(new UplinkInbound(kind, data, Name), cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
