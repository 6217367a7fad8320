using System.Threading.Channels;
using Grey.Region.Hosting;
using Grey.Region.Ingest;

namespace Grey.Region.Daemon.Desired;

/// <summary>
/// The daemon's transport as the ingest loop sees it, with two taps for desired-state delivery and nothing else
/// changed: a status report read by the loop tells <see cref="IDesiredSiteObserver.SiteReported"/> that its site is
/// online (resend now), and a settled delta tells <see cref="IDesiredSiteObserver.DeltaSettled"/> that the region
/// made a delta of that site durable (its applied mark may have moved). Settlement comes after the group commit, so
/// the applied mark is only read from merged state that is already durable.
/// </summary>
internal sealed class DesiredObservingTransport(IRegionTransport inner, IDesiredSiteObserver observer) : DelegatingRegionTransport(inner)
{
    private readonly ObservingReader _signals = new(inner.Signals, observer);

    /// <inheritdoc />
    public override ChannelReader<InboundSignal> Signals => _signals;

    /// <inheritdoc />
    public override async ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delta);
        await Inner.SettleAsync(delta, cancellationToken).ConfigureAwait(false);
        observer.DeltaSettled(delta.SubjectSite);
    }

    private sealed class ObservingReader(ChannelReader<InboundSignal> reader, IDesiredSiteObserver observer) : ChannelReader<InboundSignal>
    {
        public override Task Completion => reader.Completion;

        public override bool TryRead(out InboundSignal item)
        {
            if (!reader.TryRead(out InboundSignal? read))
            {
                item = null!;
                return false;
            }

            if (read.Kind == InboundSignalKind.SiteReport)
            {
                observer.SiteReported(read.Source);
            }

            item = read;
            return true;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => reader.WaitToReadAsync(cancellationToken);
    }
}
