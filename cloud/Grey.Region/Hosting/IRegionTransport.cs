using System.Threading.Channels;
using Grey.Region.Ingest;

namespace Grey.Region.Hosting;

/// <summary>
/// The link between a region and its sites and peer regions, as the ingest loop needs it: durable delivery of site
/// deltas (fetched in batches, settled only after the region made them durable, redelivered otherwise), best-effort
/// signals (status reports, peer region deltas), and publishing acknowledgements, NAKs, region deltas and revocation
/// notices. NATS JetStream implements it in the daemon; MQTT and a simulated broker are meant to implement it too.
/// </summary>
public interface IRegionTransport : IAsyncDisposable
{
    /// <summary>Best-effort signals, bounded by the transport (the oldest dropped when full: each is repaired by a later one).</summary>
    ChannelReader<InboundSignal> Signals { get; }

    /// <summary>
    /// Waits for site deltas and returns up to <paramref name="maxMessages"/> of them, or an empty list after the
    /// transport's own fetch wait (so the loop keeps turning while nothing arrives).
    /// </summary>
    ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken);

    /// <summary>
    /// Tells the broker the delta is done with (JetStream ack). Called only after the region made its outcome
    /// durable, so a crash before it makes the broker deliver the delta again.
    /// </summary>
    ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a delivered delta back to the broker for prompt redelivery (JetStream NAK), because the turn that held
    /// it failed before its outcome was durable. Without it the broker redelivers only after its ack wait.
    /// </summary>
    ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken);

    /// <summary>Publishes a signed acknowledgement to its site (<c>grey.ack.&lt;site&gt;</c>).</summary>
    ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken);

    /// <summary>Publishes an encoded NAK to its site (<c>grey.nak.&lt;site&gt;</c>).</summary>
    ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken);

    /// <summary>Publishes this region's signed region delta (<c>grey.region.&lt;region&gt;</c>).</summary>
    ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken);

    /// <summary>Publishes a signed revocation notice to a site (<c>grey.revoke.&lt;site&gt;</c>).</summary>
    ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes a signed desired-state change to a site (<c>grey.desired.&lt;site&gt;</c>, at least once: the region
    /// resends until the site has applied it). A transport that cannot carry desired state keeps this default, which
    /// fails like an unreachable broker.
    /// </summary>
    ValueTask PublishDesiredAsync(string site, ReadOnlyMemory<byte> change, CancellationToken cancellationToken) =>
        ValueTask.FromException(new RegionTransportException($"{GetType().Name} does not carry desired-state changes"));
}
