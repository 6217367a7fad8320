using System.Threading.Channels;
using Grey.Region.Hosting;
using Grey.Region.Ingest;

namespace Grey.Ctl.Bench;

/// <summary>
/// The region's transport as its ingest loop sees it, unchanged, except that every signed ack it publishes is
/// also reported to the <see cref="MergeWatch"/>: the region publishes an ack only after the merge is durable, so
/// the moment of the publish is the moment the write is merged.
/// </summary>
internal sealed class AckTap(IRegionTransport inner, MergeWatch watch, RegionTurnClock turns, TimeProvider time) : IRegionTransport
{
    /// <inheritdoc />
    public ChannelReader<InboundSignal> Signals => inner.Signals;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken)
    {
        IReadOnlyList<InboundDelta> batch = await inner.FetchDeltasAsync(maxMessages, cancellationToken).ConfigureAwait(false);
        if (batch.Count > 0)
        {
            turns.Fetched(batch.Count, time.GetTimestamp());
        }

        return batch;
    }

    /// <inheritdoc />
    public ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken) => inner.SettleAsync(delta, cancellationToken);

    /// <inheritdoc />
    public ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken) => inner.ReleaseAsync(delta, cancellationToken);

    /// <inheritdoc />
    public ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ack);
        long now = time.GetTimestamp();
        turns.Acked(now);
        watch.Acknowledged(ack.Site, ack.MergedIndex, now);
        return inner.PublishAckAsync(ack, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken) => inner.PublishNakAsync(site, nak, cancellationToken);

    /// <inheritdoc />
    public ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken) =>
        inner.PublishRegionDeltaAsync(regionDelta, cancellationToken);

    /// <inheritdoc />
    public ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken) =>
        inner.PublishRevocationAsync(site, notice, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // The daemon disposes the transport it owns.
}
