using System.Threading.Channels;
using Grey.Region.Hosting;
using Grey.Region.Ingest;

namespace Grey.Ctl.Bench;

/// <summary>
/// The region's transport as its ingest loop sees it, unchanged, except that every signed ack it publishes is
/// also reported to the <see cref="MergeWatch"/>: the region publishes an ack only after the merge is durable, so
/// the moment of the publish is the moment the write is merged.
/// </summary>
internal sealed class AckTap(IRegionTransport inner, MergeWatch watch, RegionTurnClock turns, TimeProvider time) : DelegatingRegionTransport(inner)
{
    /// <inheritdoc />
    public override async ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken)
    {
        IReadOnlyList<InboundDelta> batch = await Inner.FetchDeltasAsync(maxMessages, cancellationToken).ConfigureAwait(false);
        if (batch.Count > 0)
        {
            turns.Fetched(batch.Count, time.GetTimestamp());
        }

        return batch;
    }

    /// <inheritdoc />
    public override ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ack);
        long now = time.GetTimestamp();
        turns.Acked(now);
        watch.Acknowledged(ack.Site, ack.MergedIndex, now);
        return Inner.PublishAckAsync(ack, cancellationToken);
    }
}
