using System.Threading.Channels;
using Grey.Region.Hosting;
using Grey.Region.Ingest;

namespace Grey.Region.Tests.Hosting;

/// <summary>
/// A scripted transport for <see cref="RegionHost.SendAsync"/>: records what the host publishes (revocation notices
/// by site, acks, NAKs) and delivers nothing by itself.
/// </summary>
internal sealed class RecordingTransport : IRegionTransport
{
    private readonly Channel<InboundSignal> _signals = Channel.CreateUnbounded<InboundSignal>();

    public ChannelReader<InboundSignal> Signals => _signals.Reader;

    public List<(string Site, byte[] Notice)> Revocations { get; } = [];

    public List<SignedAck> Acks { get; } = [];

    public int Naks { get; private set; }

    public ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<InboundDelta>>([]);

    public ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken)
    {
        Acks.Add(ack);
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken)
    {
        Naks++;
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken)
    {
        Revocations.Add((site, notice.ToArray()));
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
