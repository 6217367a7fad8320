using System.Threading.Channels;
using Grey.Region.Daemon.Sharding;
using Grey.Region.Hosting;
using Grey.Region.Ingest;

namespace Grey.Region.Daemon.Tests.Sharding;

public sealed class ShardFilterTransportTests
{
    // From the pinned vectors: with 2 shards, plant-7 and depot-1 are shard 0's, site-a and noisy shard 1's.
    private static readonly ShardAssignment Zero = new(0, 2);

    [Fact]
    public async Task FetchDeltas_MixedBatch_OwnReturnedOthersSettledAtOnce()
    {
        var inner = new FakeTransport();
        inner.Batches.Enqueue([Delta("plant-7", 1), Delta("site-a", 2), Delta("depot-1", 3), Delta("noisy", 4)]);
        var filter = new ShardFilterTransport(inner, Zero);

        IReadOnlyList<InboundDelta> own = await filter.FetchDeltasAsync(10, CancellationToken.None);

        Assert.Equal([1L, 3L], own.Select(d => d.DeliveryToken));
        Assert.Equal([2L, 4L], inner.Settled);
        Assert.Equal(2, filter.ForeignSettled);
    }

    [Fact]
    public async Task FetchDeltas_AllOwn_SameBatchNothingSettled()
    {
        var inner = new FakeTransport();
        IReadOnlyList<InboundDelta> batch = [Delta("plant-7", 1), Delta("depot-1", 2)];
        inner.Batches.Enqueue(batch);
        var filter = new ShardFilterTransport(inner, Zero);

        Assert.Same(batch, await filter.FetchDeltasAsync(10, CancellationToken.None));
        Assert.Empty(inner.Settled);
    }

    [Fact]
    public async Task FetchDeltas_ForeignSettleFails_CountedNotThrownOwnStillReturned()
    {
        var inner = new FakeTransport { FailSettles = true };
        inner.Batches.Enqueue([Delta("site-a", 1), Delta("plant-7", 2)]);
        var filter = new ShardFilterTransport(inner, Zero);

        IReadOnlyList<InboundDelta> own = await filter.FetchDeltasAsync(10, CancellationToken.None);

        Assert.Equal([2L], own.Select(d => d.DeliveryToken));
        Assert.Equal(1, filter.ForeignSettleFailures);
        Assert.Equal(0, filter.ForeignSettled);
    }

    [Fact]
    public void Signals_OtherShardsReportsDroppedRegionDeltasKept()
    {
        var inner = new FakeTransport();
        inner.SignalChannel.Writer.TryWrite(new InboundSignal(InboundSignalKind.SiteReport, "site-a", new byte[] { 1 }));
        inner.SignalChannel.Writer.TryWrite(new InboundSignal(InboundSignalKind.SiteReport, "plant-7", new byte[] { 2 }));
        inner.SignalChannel.Writer.TryWrite(new InboundSignal(InboundSignalKind.RegionDelta, "r2", new byte[] { 3 }));
        inner.SignalChannel.Writer.TryWrite(new InboundSignal(InboundSignalKind.SiteReport, "noisy", new byte[] { 4 }));
        var filter = new ShardFilterTransport(inner, Zero);

        var read = new List<string>();
        while (filter.Signals.TryRead(out InboundSignal? s))
        {
            read.Add(s.Source);
        }

        Assert.Equal(["plant-7", "r2"], read);
        Assert.Equal(2, filter.ForeignSignals);
    }

    [Fact]
    public async Task Publishing_PassesThrough()
    {
        var inner = new FakeTransport();
        var filter = new ShardFilterTransport(inner, Zero);
        await filter.PublishAckAsync(new SignedAck("plant-7", 1, 2, [9]), CancellationToken.None);
        await filter.PublishNakAsync("plant-7", new byte[] { 1 }, CancellationToken.None);
        await filter.SettleAsync(Delta("plant-7", 5), CancellationToken.None);
        await filter.ReleaseAsync(Delta("plant-7", 6), CancellationToken.None);
        Assert.Equal(["ack plant-7", "nak plant-7"], inner.Published);
        Assert.Equal([5L], inner.Settled);
        Assert.Equal([6L], inner.Released);
    }

    private static InboundDelta Delta(string site, long token) => new(site, new byte[] { 1, 2, 3 }, null, token);

    private sealed class FakeTransport : IRegionTransport
    {
        public Queue<IReadOnlyList<InboundDelta>> Batches { get; } = new();

        public Channel<InboundSignal> SignalChannel { get; } = Channel.CreateUnbounded<InboundSignal>();

        public bool FailSettles { get; init; }

        public List<long> Settled { get; } = [];

        public List<long> Released { get; } = [];

        public List<string> Published { get; } = [];

        public ChannelReader<InboundSignal> Signals => SignalChannel.Reader;

        public ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Batches.Count > 0 ? Batches.Dequeue() : (IReadOnlyList<InboundDelta>)[]);

        public ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken)
        {
            if (FailSettles)
            {
                throw new RegionTransportException("broker away");
            }

            Settled.Add(delta.DeliveryToken);
            return ValueTask.CompletedTask;
        }

        public ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken)
        {
            Released.Add(delta.DeliveryToken);
            return ValueTask.CompletedTask;
        }

        public ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken) => Record("ack " + ack.Site);

        public ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken) => Record("nak " + site);

        public ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken) => Record("region");

        public ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken) => Record("revoke " + site);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private ValueTask Record(string what)
        {
            Published.Add(what);
            return ValueTask.CompletedTask;
        }
    }
}
