using System.Diagnostics;
using Grey.Edge.Uplink.Nats.Tests.Support;
using Xunit.Abstractions;

namespace Grey.Edge.Uplink.Nats.Tests;

/// <summary>Broker outages: each test has its own nats-server, which it kills and restarts on the same port and store.</summary>
public sealed class NatsUplinkOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task PublishDeltaAsync_BrokerDownThenBack_UnavailableQuicklyLinkDownThenLinkUpAndAccepted()
    {
        await using var nats = await NatsServerProcess.StartAsync();
        await using (var region = await UplinkTestKit.ConnectAsync(nats.Url))
        {
            await UplinkTestKit.CreateDeltaStreamAsync(region);
        }

        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(nats.Url, "site-o"), seed: 21);
        var seen = new List<UplinkInbound>();
        await UplinkTestKit.NextAsync(uplink, UplinkInboundKind.LinkUp, Wait, seen);
        Assert.Equal(UplinkPublishStatus.Accepted, (await uplink.PublishDeltaAsync(UplinkTestKit.Delta("site-o", 1, 1), CancellationToken.None)).Status);

        await nats.StopAsync();
        await UplinkTestKit.NextAsync(uplink, UplinkInboundKind.LinkDown, Wait, seen);
        var watch = Stopwatch.StartNew();
        var down = await uplink.PublishDeltaAsync(UplinkTestKit.Delta("site-o", 2, 2), CancellationToken.None);
        output.WriteLine($"publish while down: {down.Status} '{down.Detail}' in {watch.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(UplinkPublishStatus.Unavailable, down.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(500), $"took {watch.Elapsed}");
        Assert.False(uplink.IsConnected);
        var request = await uplink.RequestAsync(UplinkRequestKind.Attest, new byte[] { 1 }, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.NotNull(request.Error);
        Assert.Equal(UplinkPublishStatus.Unavailable, (await uplink.PublishReportAsync(new byte[] { 1 }, CancellationToken.None)).Status);

        await nats.StartAgainAsync();
        watch.Restart();
        await UplinkTestKit.NextAsync(uplink, UplinkInboundKind.LinkUp, Wait, seen);
        output.WriteLine($"link up {watch.Elapsed.TotalMilliseconds:0} ms after the broker was ready again");
        var again = await uplink.PublishDeltaAsync(UplinkTestKit.Delta("site-o", 2, 2), CancellationToken.None);
        var dup = await uplink.PublishDeltaAsync(UplinkTestKit.Delta("site-o", 1, 1), CancellationToken.None);

        Assert.Equal(UplinkPublishStatus.Accepted, again.Status);
        Assert.Equal(UplinkPublishStatus.Duplicate, dup.Status);
        Assert.Equal([UplinkInboundKind.LinkUp, UplinkInboundKind.LinkDown, UplinkInboundKind.LinkUp], seen.Select(s => s.Kind));
        Assert.Equal(2, uplink.Metrics.LinkUps);
        Assert.Equal(1, uplink.Metrics.LinkDowns);
    }

    [Fact]
    public async Task Start_BrokerNotYetRunning_ComesUpWhenItStarts()
    {
        var port = NatsServerProcess.FreePort();
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options($"nats://127.0.0.1:{port}", "site-late"), seed: 22);
        await Task.Delay(300);
        Assert.False(uplink.IsConnected);
        Assert.NotNull(uplink.LastError);
        Assert.Equal(UplinkPublishStatus.Unavailable, (await uplink.PublishDeltaAsync(UplinkTestKit.Delta("site-late", 1, 1), CancellationToken.None)).Status);

        await using var nats = await NatsServerProcess.StartOnPortAsync(port);
        await UplinkTestKit.NextAsync(uplink, UplinkInboundKind.LinkUp, Wait);
        Assert.True(uplink.IsConnected);
        Assert.Null(uplink.LastError);
    }
}
