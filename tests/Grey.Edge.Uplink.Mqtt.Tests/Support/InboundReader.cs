using System.Threading.Channels;

namespace Grey.Edge.Uplink.Mqtt.Tests.Support;

internal static class InboundReader
{
    /// <summary>The next inbound message that is not a link event, or a timeout.</summary>
    public static async Task<UplinkInbound> NextMessageAsync(this ChannelReader<UplinkInbound> reader, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var item = await reader.ReadAsync(cts.Token);
            if (item.Kind is not (UplinkInboundKind.LinkUp or UplinkInboundKind.LinkDown))
            {
                return item;
            }
        }
    }

    /// <summary>Reads until an item of <paramref name="kind"/> arrives (others are skipped), or a timeout.</summary>
    public static async Task<UplinkInbound> NextOfKindAsync(this ChannelReader<UplinkInbound> reader, UplinkInboundKind kind, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var item = await reader.ReadAsync(cts.Token);
            if (item.Kind == kind)
            {
                return item;
            }
        }
    }

    /// <summary>True when nothing but link events arrives within <paramref name="quiet"/>.</summary>
    public static async Task<bool> StaysQuietAsync(this ChannelReader<UplinkInbound> reader, TimeSpan quiet)
    {
        try
        {
            await reader.NextMessageAsync(quiet);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
