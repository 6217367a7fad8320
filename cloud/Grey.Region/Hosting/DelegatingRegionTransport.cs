using System.Threading.Channels;
using Grey.Region.Ingest;

namespace Grey.Region.Hosting;

/// <summary>
/// A transport that passes every call to <see cref="Inner"/>; decorators (the shard filter, the desired-state
/// observer, the benchmark's ack tap) override only what they change. Forwarding every member here, the optional
/// <see cref="IRegionTransport.PublishDesiredAsync"/> included, keeps a decorator from silently falling back to an
/// interface default. The inner transport belongs to whoever made it: disposing a decorator leaves it open.
/// </summary>
internal abstract class DelegatingRegionTransport(IRegionTransport inner) : IRegionTransport
{
    /// <summary>The transport every call goes to.</summary>
    protected IRegionTransport Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc />
    public virtual ChannelReader<InboundSignal> Signals => Inner.Signals;

    /// <inheritdoc />
    public virtual ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken) =>
        Inner.FetchDeltasAsync(maxMessages, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken) => Inner.SettleAsync(delta, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken) => Inner.ReleaseAsync(delta, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken) => Inner.PublishAckAsync(ack, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken) =>
        Inner.PublishNakAsync(site, nak, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken) =>
        Inner.PublishRegionDeltaAsync(regionDelta, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken) =>
        Inner.PublishRevocationAsync(site, notice, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask PublishDesiredAsync(string site, ReadOnlyMemory<byte> change, CancellationToken cancellationToken) =>
        Inner.PublishDesiredAsync(site, change, cancellationToken);

    /// <summary>Leaves the inner transport open: its owner disposes it.</summary>
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
