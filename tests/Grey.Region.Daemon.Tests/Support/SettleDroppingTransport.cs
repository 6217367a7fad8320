using System.Threading.Channels;
using Grey.Region.Hosting;
using Grey.Region.Ingest;

namespace Grey.Region.Daemon.Tests.Support;

/// <summary>
/// Passes everything through but fails the first <c>drops</c> settlements, as a region that crashed after its
/// flush and before it acknowledged the messages to the broker: the broker must redeliver them.
/// </summary>
internal sealed class SettleDroppingTransport(IRegionTransport inner, int drops) : DelegatingRegionTransport(inner)
{
    private int _dropsLeft = drops;

    public int Dropped { get; private set; }

    public override ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref _dropsLeft) >= 0)
        {
            Dropped++;
            throw new RegionTransportException("settlement dropped by the test");
        }

        return Inner.SettleAsync(delta, cancellationToken);
    }
}
