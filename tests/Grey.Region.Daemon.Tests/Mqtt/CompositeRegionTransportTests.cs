using System.Threading.Channels;
using Grey.Region.Daemon.Mqtt;
using Grey.Region.Hosting;
using Grey.Region.Ingest;

namespace Grey.Region.Daemon.Tests.Mqtt;

public sealed class CompositeRegionTransportTests
{
    [Fact]
    public async Task Fetch_TwoParts_BothDeliveredAndSettledOnTheirOwnPartWithTheirOwnToken()
    {
        var nats = new RecordingTransport("nats");
        var mqtt = new RecordingTransport("mqtt");
        await using var composite = new CompositeRegionTransport([nats, mqtt]);
        nats.Offer(new InboundDelta("site-a", "n"u8.ToArray(), 5, 77));
        mqtt.Offer(new InboundDelta("site-b", "m"u8.ToArray(), null, 77));

        List<InboundDelta> got = [];
        for (int i = 0; i < 20 && got.Count < 2; i++)
        {
            got.AddRange(await composite.FetchDeltasAsync(10, CancellationToken.None));
        }

        Assert.Equal(["site-a", "site-b"], got.Select(d => d.SubjectSite).Order());
        Assert.Equal(2, got.Select(d => d.DeliveryToken).Distinct().Count());
        foreach (InboundDelta d in got)
        {
            await composite.SettleAsync(d, CancellationToken.None);
        }

        Assert.Equal([77L], nats.Settled);
        Assert.Equal([77L], mqtt.Settled);
        Assert.Equal(0, composite.Unsettled);
        await Assert.ThrowsAsync<ArgumentException>(() => composite.SettleAsync(got[0], CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Release_GoesBackToTheDeliveringPartOnly()
    {
        var nats = new RecordingTransport("nats");
        var mqtt = new RecordingTransport("mqtt");
        await using var composite = new CompositeRegionTransport([nats, mqtt]);
        mqtt.Offer(new InboundDelta("site-b", "m"u8.ToArray(), null, 9));
        IReadOnlyList<InboundDelta> got = [];
        for (int i = 0; i < 20 && got.Count == 0; i++)
        {
            got = await composite.FetchDeltasAsync(10, CancellationToken.None);
        }

        await composite.ReleaseAsync(Assert.Single(got), CancellationToken.None);
        Assert.Equal([9L], mqtt.Released);
        Assert.Empty(nats.Released);
    }

    [Fact]
    public async Task PublishNak_OnePartFails_SentOnTheOtherWithoutError()
    {
        var nats = new RecordingTransport("nats") { FailPublishes = true };
        var mqtt = new RecordingTransport("mqtt");
        await using var composite = new CompositeRegionTransport([nats, mqtt]);

        await composite.PublishNakAsync("site-a", "nak"u8.ToArray(), CancellationToken.None);

        Assert.Equal(["site-a"], mqtt.Published);
        Assert.Empty(nats.Published);
    }

    [Fact]
    public async Task PublishRevocation_EveryPartFails_Throws()
    {
        var nats = new RecordingTransport("nats") { FailPublishes = true };
        var mqtt = new RecordingTransport("mqtt") { FailPublishes = true };
        await using var composite = new CompositeRegionTransport([nats, mqtt]);

        var e = await Assert.ThrowsAsync<RegionTransportException>(() => composite.PublishRevocationAsync("site-a", "n"u8.ToArray(), CancellationToken.None).AsTask());
        Assert.Contains("every transport failed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signals_FromBothParts_Merged()
    {
        var nats = new RecordingTransport("nats");
        var mqtt = new RecordingTransport("mqtt");
        await using var composite = new CompositeRegionTransport([nats, mqtt]);
        nats.Signal(new InboundSignal(InboundSignalKind.SiteReport, "site-a", "x"u8.ToArray()));
        mqtt.Signal(new InboundSignal(InboundSignalKind.SiteReport, "site-b", "y"u8.ToArray()));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        List<string> sources = [(await composite.Signals.ReadAsync(timeout.Token)).Source, (await composite.Signals.ReadAsync(timeout.Token)).Source];

        Assert.Equal(["site-a", "site-b"], sources.Order());
    }

    [Fact]
    public async Task PublishNak_OnePartHangs_ReturnsOnceTheOtherSentAndTheSlowPartKeepsItsOrder()
    {
        // A broker that is away makes its transport wait (nats.net waits for the reconnect, up to the publish timeout):
        // the other transport's copy and the loop must not wait for it.
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var nats = new RecordingTransport("nats") { Hold = hold.Task };
        var mqtt = new RecordingTransport("mqtt");
        await using var composite = new CompositeRegionTransport([nats, mqtt]);

        await composite.PublishNakAsync("site-a", "1"u8.ToArray(), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await composite.PublishNakAsync("site-b", "2"u8.ToArray(), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["site-a", "site-b"], mqtt.PublishedNow());
        Assert.Empty(nats.PublishedNow());
        hold.SetResult();
        for (int i = 0; i < 200 && nats.PublishedNow().Count < 2; i++)
        {
            await Task.Delay(25);
        }

        Assert.Equal(["site-a", "site-b"], nats.PublishedNow());
    }

    [Fact]
    public async Task PublishNak_SlowPartFull_FailsAtOnceForItOnlyAndTheQueuedOnesStillGo()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var nats = new RecordingTransport("nats") { Hold = hold.Task };
        var mqtt = new RecordingTransport("mqtt");
        await using var composite = new CompositeRegionTransport([nats, mqtt]);

        int total = OrderedPartPublisher.MaxPending + 10;
        for (int i = 0; i < total; i++)
        {
            await composite.PublishNakAsync("site-" + i, "n"u8.ToArray(), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(total, mqtt.PublishedNow().Count);
        hold.SetResult();
        for (int i = 0; i < 200 && nats.PublishedNow().Count < OrderedPartPublisher.MaxPending; i++)
        {
            await Task.Delay(25);
        }

        Assert.Equal(Enumerable.Range(0, OrderedPartPublisher.MaxPending).Select(i => "site-" + i), nats.PublishedNow());
    }

    [Fact]
    public async Task Dispose_DisposesEveryPart()
    {
        var nats = new RecordingTransport("nats");
        var mqtt = new RecordingTransport("mqtt");
        var composite = new CompositeRegionTransport([nats, mqtt]);

        await composite.DisposeAsync();

        Assert.True(nats.Disposed);
        Assert.True(mqtt.Disposed);
    }

    /// <summary>An in-memory part: hands out offered deltas, records settlements, releases and publishes.</summary>
    private sealed class RecordingTransport(string name) : IRegionTransport
    {
        private readonly Channel<InboundDelta> _offered = Channel.CreateUnbounded<InboundDelta>();
        private readonly Channel<InboundSignal> _signals = Channel.CreateUnbounded<InboundSignal>();

        public string Name => name;

        public bool FailPublishes { get; init; }

        /// <summary>When set, every publish waits for it (a broker that is away), then records.</summary>
        public Task? Hold { get; init; }

        public List<long> Settled { get; } = [];

        public List<long> Released { get; } = [];

        public List<string> Published { get; } = [];

        public bool Disposed { get; private set; }

        public ChannelReader<InboundSignal> Signals => _signals.Reader;

        public void Offer(InboundDelta delta) => _offered.Writer.TryWrite(delta);

        public void Signal(InboundSignal signal) => _signals.Writer.TryWrite(signal);

        public async ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromMilliseconds(100));
            try
            {
                return [await _offered.Reader.ReadAsync(wait.Token)];
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return [];
            }
        }

        public ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken)
        {
            lock (Settled)
            {
                Settled.Add(delta.DeliveryToken);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken)
        {
            Released.Add(delta.DeliveryToken);
            return ValueTask.CompletedTask;
        }

        public ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken) => Publish(ack.Site);

        public ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken) => Publish(site);

        public ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken) => Publish("region");

        public ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken) => Publish(site);

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }

        public List<string> PublishedNow()
        {
            lock (Published)
            {
                return [.. Published];
            }
        }

        private ValueTask Publish(string site)
        {
            if (FailPublishes)
            {
                throw new RegionTransportException(Name + " is down");
            }

            if (Hold is { } hold)
            {
                return new ValueTask(RecordAfterAsync(hold, site));
            }

            Record(site);
            return ValueTask.CompletedTask;
        }

        private async Task RecordAfterAsync(Task hold, string site)
        {
            await hold;
            Record(site);
        }

        private void Record(string site)
        {
            lock (Published)
            {
                Published.Add(site);
            }
        }
    }
}
