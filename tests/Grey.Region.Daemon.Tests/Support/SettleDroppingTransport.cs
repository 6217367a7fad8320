using System.Threading.Channels;
using Grey.Region.Hosting;
using Grey.Region.Ingest;

namespace Grey.Region.Daemon.Tests.Support;

/// <summary>
/// Passes everything through but fails the first <c>drops</c> settlements, as a region that crashed after its
/// flush and before it acknowledged the messages to the broker: the broker must redeliver them.
/// </summary>
internal sealed class SettleDroppingTransport(IRegionTransport inner, int drops) : IRegionTransport
{
    private int _dropsLeft = drops;

    public ChannelReader<InboundSignal> Signals => inner.Signals;

    public int Dropped { get; private set; }

    public ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken) => inner.FetchDeltasAsync(maxMessages, cancellationToken);

    public ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref _dropsLeft) >= 0)
        {
            Dropped++;
            throw new RegionTransportException("settlement dropped by the test");
        }

        return inner.SettleAsync(delta, cancellationToken);
    }

    public ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken) => inner.ReleaseAsync(delta, cancellationToken);

    public ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken) => inner.PublishAckAsync(ack, cancellationToken);

    public ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken) => inner.PublishNakAsync(site, nak, cancellationToken);

    public ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken) => inner.PublishRegionDeltaAsync(regionDelta, cancellationToken);

    public ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken) => inner.PublishRevocationAsync(site, notice, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
