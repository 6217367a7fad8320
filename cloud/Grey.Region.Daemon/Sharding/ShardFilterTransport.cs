using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Grey.Region.Hosting;
using Grey.Region.Ingest;

namespace Grey.Region.Daemon.Sharding;

/// <summary>
/// Puts a shard's filter in front of the ingest loop: every process of a sharded region receives every delta of the
/// region (its own durable consumer on the one stream, or its own MQTT session), keeps those of its own sites, and
/// settles the others at once without looking at them: they are another shard's, which receives and settles its
/// own copy. Status reports of other shards' sites are dropped too; peer region deltas pass (every shard joins them).
/// Everything else (settling own deltas, publishing) goes straight to the inner transport.
/// </summary>
internal sealed class ShardFilterTransport : DelegatingRegionTransport
{
    private readonly ShardAssignment _shard;
    private long _foreignSettled;
    private long _foreignSettleFailures;
    private long _foreignSignals;

    public ShardFilterTransport(IRegionTransport inner, ShardAssignment shard)
        : base(inner)
    {
        _shard = shard ?? throw new ArgumentNullException(nameof(shard));
        Signals = new FilteredSignals(this);
    }

    /// <inheritdoc />
    public override ChannelReader<InboundSignal> Signals { get; }

    /// <summary>Deltas of other shards' sites settled without processing.</summary>
    public long ForeignSettled => Interlocked.Read(ref _foreignSettled);

    /// <summary>Settlements of other shards' deltas that failed (the broker delivers them again, and they are settled again).</summary>
    public long ForeignSettleFailures => Interlocked.Read(ref _foreignSettleFailures);

    /// <summary>Status reports of other shards' sites dropped.</summary>
    public long ForeignSignals => Interlocked.Read(ref _foreignSignals);

    /// <inheritdoc />
    public override async ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken)
    {
        IReadOnlyList<InboundDelta> batch = await Inner.FetchDeltasAsync(maxMessages, cancellationToken).ConfigureAwait(false);
        List<InboundDelta>? own = null;
        for (int i = 0; i < batch.Count; i++)
        {
            InboundDelta delta = batch[i];
            if (_shard.Owns(delta.SubjectSite))
            {
                own?.Add(delta);
                continue;
            }

            own ??= [.. batch.Take(i)];
            try
            {
                // Nothing of it enters this region's store, so nothing has to be durable first.
                await Inner.SettleAsync(delta, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _foreignSettled);
            }
            catch (RegionTransportException)
            {
                Interlocked.Increment(ref _foreignSettleFailures);
            }
        }

        return own ?? batch;
    }

    private bool Keep(InboundSignal signal)
    {
        if (signal.Kind != InboundSignalKind.SiteReport || _shard.Owns(signal.Source))
        {
            return true;
        }

        Interlocked.Increment(ref _foreignSignals);
        return false;
    }

    /// <summary>The inner signals without other shards' status reports.</summary>
    private sealed class FilteredSignals(ShardFilterTransport owner) : ChannelReader<InboundSignal>
    {
        public override bool TryRead([MaybeNullWhen(false)] out InboundSignal item)
        {
            while (owner.Inner.Signals.TryRead(out InboundSignal? signal))
            {
                if (owner.Keep(signal))
                {
                    item = signal;
                    return true;
                }
            }

            item = null;
            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => owner.Inner.Signals.WaitToReadAsync(cancellationToken);
    }
}
