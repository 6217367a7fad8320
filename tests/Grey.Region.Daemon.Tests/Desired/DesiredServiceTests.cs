using System.Security.Cryptography;
using System.Threading.Channels;
using Grey.Federation.Messages;
using Grey.Region.Daemon.Desired;
using Grey.Region.Desired;
using Grey.Region.Hosting;
using Grey.Region.Ingest;
using Grey.Region.Registry;
using Grey.Region.Storage;
using Grey.Region.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Region.Daemon.Tests.Desired;

/// <summary>The desired-state service without a broker: a scripted transport, a region over a temp store, fake time.</summary>
public sealed class DesiredServiceTests : IAsyncLifetime
{
    private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 Cert = RegionFleet.CreateCertificate("svc.region");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "grey-desired-svc-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedTransport _transport = new();
    private readonly ECDsa _verifier = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private RegionHost _host = null!;
    private DesiredService _service = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var registry = new NodeRegistry(_verifier, _time);
        _service = DesiredService.Open(_dir, "r0", Cert, new DesiredOptions { ResendInterval = TimeSpan.FromSeconds(10) }, _time);
        _host = new RegionHost(() => RegionCore.Open("r0", Cert, registry, new PhysicalRegionFileSystem(Path.Combine(_dir, "store")), _time, ledger: _service.Ledger), _time);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Issue_BrokerRefusesPublish_CountedAndResentByTheTimer()
    {
        _transport.FailNext = 1;
        _service.Attach(_host, _transport, _transport);

        DesiredIssueResult issued = _service.Issue("site-a", "desired/fan", [1]);

        Assert.Equal(DesiredIssueStatus.Issued, issued.Status);
        await WaitUntilAsync(() => _transport.Failed == 1);
        Assert.False(_transport.Published.Reader.TryPeek(out _), "published although the broker refused and no time passed");
        for (int i = 0; i < 40 && !_transport.Published.Reader.TryPeek(out _); i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(50);
        }

        (string site, byte[] wire) = await _transport.Published.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("site-a", site);
        DesiredChange? change = DesiredListener.Verify(wire, Cert, out string reason);
        Assert.True(change is not null, reason);
        Assert.Equal(issued.Change!.Digest.ToArray(), change.Digest.ToArray());
        Assert.True(_service.Resends >= 1);
    }

    [Fact]
    public async Task Issue_SequencePerSiteAndLedgerHoldsEveryChange()
    {
        _service.Attach(_host, _transport, _transport);

        ulong a1 = _service.Issue("site-a", "desired/x", [1]).Change!.Sequence;
        ulong b1 = _service.Issue("site-b", "desired/x", null).Change!.Sequence;
        ulong a2 = _service.Issue("site-a", "desired/y", [2]).Change!.Sequence;

        Assert.Equal((1UL, 1UL, 2UL), (a1, b1, a2));
        Assert.NotNull(_service.Ledger.Find("r0", "site-a", 2));
        Assert.NotNull(_service.Ledger.Find("r0", "site-b", 1));
        Assert.Null(_service.Ledger.Find("r0", "site-b", 2));
        Assert.Equal(2UL, _service.PendingOf("site-a"));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task ObservingTransport_ReportAndSettle_ReachTheObserverAndPassThrough()
    {
        var observer = new RecordingObserver();
        var observed = new DesiredObservingTransport(_transport, observer);
        _transport.Signals2.Writer.TryWrite(new InboundSignal(InboundSignalKind.SiteReport, "site-a", new byte[] { 1 }));
        _transport.Signals2.Writer.TryWrite(new InboundSignal(InboundSignalKind.RegionDelta, "r9", new byte[] { 2 }));

        Assert.True(observed.Signals.TryRead(out InboundSignal? report));
        Assert.True(observed.Signals.TryRead(out InboundSignal? regionDelta));
        await observed.SettleAsync(new InboundDelta("site-b", new byte[] { 3 }, null, 7), CancellationToken.None);

        Assert.Equal((InboundSignalKind.SiteReport, InboundSignalKind.RegionDelta), (report!.Kind, regionDelta!.Kind));
        Assert.Equal(["report site-a", "settled site-b"], observer.Events);
        Assert.Equal(7, Assert.Single(_transport.Settled));
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        _host.Dispose();
        _verifier.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }

    private sealed class RecordingObserver : IDesiredSiteObserver
    {
        public List<string> Events { get; } = [];

        public void SiteReported(string site) => Events.Add("report " + site);

        public void DeltaSettled(string site) => Events.Add("settled " + site);
    }

    private sealed class ScriptedTransport : IRegionTransport
    {
        private int _failNext;
        private int _failed;

        public Channel<InboundSignal> Signals2 { get; } = Channel.CreateUnbounded<InboundSignal>();

        public Channel<(string Site, byte[] Wire)> Published { get; } = Channel.CreateUnbounded<(string, byte[])>();

        public List<long> Settled { get; } = [];

        public int FailNext { set => _failNext = value; }

        public int Failed => Volatile.Read(ref _failed);

        public ChannelReader<InboundSignal> Signals => Signals2.Reader;

        public ValueTask<IReadOnlyList<InboundDelta>> FetchDeltasAsync(int maxMessages, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<InboundDelta>>([]);

        public ValueTask SettleAsync(InboundDelta delta, CancellationToken cancellationToken)
        {
            Settled.Add(delta.DeliveryToken);
            return ValueTask.CompletedTask;
        }

        public ValueTask ReleaseAsync(InboundDelta delta, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask PublishAckAsync(SignedAck ack, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask PublishNakAsync(string site, ReadOnlyMemory<byte> nak, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask PublishRegionDeltaAsync(ReadOnlyMemory<byte> regionDelta, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask PublishRevocationAsync(string site, ReadOnlyMemory<byte> notice, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask PublishDesiredAsync(string site, ReadOnlyMemory<byte> change, CancellationToken cancellationToken)
        {
            if (Interlocked.Decrement(ref _failNext) >= 0)
            {
                Interlocked.Increment(ref _failed);
                throw new RegionTransportException("refused by the test");
            }

            Published.Writer.TryWrite((site, change.ToArray()));
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
