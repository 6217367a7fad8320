using System.Diagnostics;
using Grey.Edge.Uplink.Nats.Tests.Support;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Xunit.Abstractions;

namespace Grey.Edge.Uplink.Nats.Tests;

/// <summary>The uplink against a real nats-server shared by this class (no outage here; see <see cref="NatsUplinkOutageTests"/>).</summary>
public sealed class NatsUplinkTests(NatsUplinkTests.Server server, ITestOutputHelper output) : IClassFixture<NatsUplinkTests.Server>
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task PublishDeltaAsync_StreamExists_AcceptedWithHeadersAndExactBytes()
    {
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(server.Nats.Url, "site-a"), seed: 1);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready));
        var delta = UplinkTestKit.Delta("site-a", 1, 10, bytes: 300, committed: 12);

        var result = await uplink.PublishDeltaAsync(delta, CancellationToken.None);

        Assert.Equal(UplinkPublishStatus.Accepted, result.Status);
        var stored = await server.Js.GetStreamAsync("GREY_DELTA_R1");
        var msg = await stored.GetAsync(new StreamMsgGetRequest { LastBySubj = "grey.delta.r1.site-a" });
        Assert.Equal(delta.Wire.ToArray(), msg.Message.Data.ToArray());
        var headers = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(msg.Message.Hdrs!));
        Assert.Contains("Nats-Msg-Id: site-a:1:1-10\r\n", headers, StringComparison.Ordinal);
        Assert.Contains("Grey-Committed: 12\r\n", headers, StringComparison.Ordinal);
        Assert.Equal(1, uplink.Metrics.DeltasAccepted);
        Assert.Equal(300, uplink.Metrics.DeltaPayloadBytes);
        Assert.Equal(NatsUplink.WireBytes("grey.delta.r1.site-a", "_INBOX_site-a".Length, delta), uplink.Metrics.DeltaWireBytes);
    }

    [Fact]
    public async Task PublishDeltaAsync_SameMessageIdTwice_SecondIsDuplicate()
    {
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(server.Nats.Url, "site-dup"), seed: 2);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready));
        var delta = UplinkTestKit.Delta("site-dup", 1, 5);

        var first = await uplink.PublishDeltaAsync(delta, CancellationToken.None);
        var second = await uplink.PublishDeltaAsync(delta, CancellationToken.None);
        var other = await uplink.PublishDeltaAsync(UplinkTestKit.Delta("site-dup", 6, 9), CancellationToken.None);

        Assert.Equal(UplinkPublishStatus.Accepted, first.Status);
        Assert.Equal(UplinkPublishStatus.Duplicate, second.Status);
        Assert.True(second.Stored);
        Assert.Equal(UplinkPublishStatus.Accepted, other.Status);
        Assert.Equal(1, uplink.Metrics.DeltasDuplicate);
    }

    [Fact]
    public async Task PublishDeltaAsync_NoStreamForRegion_UnavailableNotRejected()
    {
        var options = UplinkTestKit.Options(server.Nats.Url, "site-ns") with { Region = "nostream", MaxRetries = 1 };
        await using var uplink = UplinkTestKit.Start(options, seed: 3);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready));

        var watch = Stopwatch.StartNew();
        var result = await uplink.PublishDeltaAsync(UplinkTestKit.Delta("site-ns", 1, 1), CancellationToken.None);

        Assert.Equal(UplinkPublishStatus.Unavailable, result.Status);
        Assert.Contains("no JetStream stream", result.Detail, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task PublishDeltaAsync_ManyConcurrent_WindowBoundsInFlightAndAllStored()
    {
        var options = UplinkTestKit.Options(server.Nats.Url, "site-win") with { MaxInFlight = 4 };
        await using var uplink = UplinkTestKit.Start(options, seed: 4);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready));

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            uplink.PublishDeltaAsync(UplinkTestKit.Delta("site-win", (ulong)(i * 10 + 1), (ulong)(i * 10 + 10)), CancellationToken.None).AsTask()));

        Assert.All(results, r => Assert.Equal(UplinkPublishStatus.Accepted, r.Status));
        var info = await server.Js.GetStreamAsync("GREY_DELTA_R1", new StreamInfoRequest { SubjectsFilter = "grey.delta.r1.site-win" });
        Assert.Equal(200, info.Info.State.Subjects!["grey.delta.r1.site-win"]);
    }

    [Fact]
    public async Task Inbound_AckNakRevokePublishedByRegion_EachDeliveredOnceWithBytes()
    {
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(server.Nats.Url, "site-in"), seed: 5);
        var up = await UplinkTestKit.NextAsync(uplink, UplinkInboundKind.LinkUp, Ready);
        Assert.Equal("nats", up.Via);

        await server.Region.PublishAsync("grey.ack.site-in", new byte[] { 1, 2, 3 });
        await server.Region.PublishAsync("grey.nak.site-in", new byte[] { 4 });
        await server.Region.PublishAsync("grey.revoke.site-in", new byte[] { 5, 6 });
        await server.Region.PublishAsync("grey.ack.other-site", new byte[] { 9 });

        // One pump per subject: the three may interleave, so collect them by kind.
        var got = new Dictionary<UplinkInboundKind, UplinkInbound>();
        using (var cts = new CancellationTokenSource(Ready))
        {
            while (got.Count < 3 && await uplink.Inbound.WaitToReadAsync(cts.Token))
            {
                while (uplink.Inbound.TryRead(out var item))
                {
                    Assert.True(got.TryAdd(item.Kind, item), $"a second {item.Kind} arrived");
                }
            }
        }

        var ack = got[UplinkInboundKind.Ack];
        var nak = got[UplinkInboundKind.Nak];
        var revoke = got[UplinkInboundKind.Revoke];
        Assert.Equal(new byte[] { 1, 2, 3 }, ack.Payload.ToArray());
        Assert.Equal(new byte[] { 4 }, nak.Payload.ToArray());
        Assert.Equal(new byte[] { 5, 6 }, revoke.Payload.ToArray());
        await server.Region.PingAsync();
        await Task.Delay(100);
        Assert.False(uplink.Inbound.TryRead(out var extra), $"another site's ack arrived: {extra?.Kind}");
        Assert.Equal(3, uplink.Metrics.InboundReceived);
    }

    [Fact]
    public async Task Inbound_OversizedMessage_DroppedAndCountedNextDelivered()
    {
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(server.Nats.Url, "site-big"), seed: 6);
        await UplinkTestKit.NextAsync(uplink, UplinkInboundKind.LinkUp, Ready);

        await server.Region.PublishAsync("grey.ack.site-big", new byte[UplinkLimits.MaxInboundBytes + 1]);
        await server.Region.PublishAsync("grey.ack.site-big", new byte[] { 42 });

        var ack = await UplinkTestKit.NextAsync(uplink, UplinkInboundKind.Ack, Ready);
        Assert.Equal(new byte[] { 42 }, ack.Payload.ToArray());
        Assert.Equal(1, uplink.Metrics.InboundOversized);
    }

    [Fact]
    public async Task RequestAsync_RegionAnswers_ReplyFromSiteInbox()
    {
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(server.Nats.Url, "site-rq"), seed: 7);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready));
        await using var sub = await server.Region.SubscribeCoreAsync<byte[]>("grey.enroll.site-rq");
        string? replyTo = null;
        var responder = Task.Run(async () =>
        {
            var msg = await sub.Msgs.ReadAsync();
            replyTo = msg.ReplyTo;
            await msg.ReplyAsync(msg.Data!.Reverse().ToArray());
        });
        await server.Region.PingAsync();

        var reply = await uplink.RequestAsync(UplinkRequestKind.Enroll, new byte[] { 1, 2, 3 }, TimeSpan.FromSeconds(5), CancellationToken.None);
        await responder;

        Assert.Null(reply.Error);
        Assert.Equal(new byte[] { 3, 2, 1 }, reply.Payload!.Value.ToArray());
        Assert.StartsWith("_INBOX_site-rq.", replyTo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestAsync_EnrollAndAttest_NameTheHomeRegionInTheGreyRegionHeader()
    {
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(server.Nats.Url, "site-hdr") with { Region = "r-home" }, seed: 12);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready));
        await using var sub = await server.Region.SubscribeCoreAsync<byte[]>("grey.*.site-hdr");
        var seen = new List<(string Subject, string? Region)>();
        var responder = Task.Run(async () =>
        {
            for (int i = 0; i < 2; i++)
            {
                var msg = await sub.Msgs.ReadAsync();
                seen.Add((msg.Subject, msg.Headers is { } h && h.TryGetValue("Grey-Region", out var v) ? string.Join("|", v.ToArray()) : null));
                await msg.ReplyAsync(new byte[] { 1 });
            }
        });
        await server.Region.PingAsync();

        var enroll = await uplink.RequestAsync(UplinkRequestKind.Enroll, new byte[] { 1 }, TimeSpan.FromSeconds(5), CancellationToken.None);
        var attest = await uplink.RequestAsync(UplinkRequestKind.Attest, new byte[] { 2 }, TimeSpan.FromSeconds(5), CancellationToken.None);
        await responder;

        Assert.Null(enroll.Error);
        Assert.Null(attest.Error);
        Assert.Equal([("grey.enroll.site-hdr", "r-home"), ("grey.attest.site-hdr", "r-home")], seen);
    }

    [Fact]
    public async Task RequestAsync_NoResponder_ErrorQuickly()
    {
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(server.Nats.Url, "site-nr"), seed: 8);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready));

        var watch = Stopwatch.StartNew();
        var reply = await uplink.RequestAsync(UplinkRequestKind.Attest, new byte[] { 1 }, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Null(reply.Payload);
        Assert.Contains("no responder on grey.attest.site-nr", reply.Error, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task RequestAsync_ResponderSilent_TimesOutWithError()
    {
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(server.Nats.Url, "site-to"), seed: 9);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready));
        await using var sub = await server.Region.SubscribeCoreAsync<byte[]>("grey.attest.site-to");
        await server.Region.PingAsync();

        var watch = Stopwatch.StartNew();
        var reply = await uplink.RequestAsync(UplinkRequestKind.Attest, new byte[] { 1 }, TimeSpan.FromMilliseconds(500), CancellationToken.None);

        Assert.Null(reply.Payload);
        Assert.Contains("no reply on grey.attest.site-to", reply.Error, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task PublishReportAsync_Connected_ArrivesOnStatusSubject()
    {
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(server.Nats.Url, "site-st"), seed: 10);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready));
        await using var sub = await server.Region.SubscribeCoreAsync<byte[]>("grey.status.r1.*");
        await server.Region.PingAsync();

        var result = await uplink.PublishReportAsync(new byte[] { 7, 7 }, CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var msg = await sub.Msgs.ReadAsync(cts.Token);

        Assert.Equal(UplinkPublishStatus.Accepted, result.Status);
        Assert.Equal("grey.status.r1.site-st", msg.Subject);
        Assert.Equal(new byte[] { 7, 7 }, msg.Data);
    }

    [Fact]
    public async Task PublishDeltaAsync_BytesOnTheWirePerOperation_Printed()
    {
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(server.Nats.Url, "site-bytes"), seed: 11);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready));
        foreach (var ops in new[] { 1, 16, 256 })
        {
            var sample = WireSample.SignedDelta("r1", "site-bytes", ops, out var plain);
            var before = uplink.Metrics.DeltaWireBytes;
            var result = await uplink.PublishDeltaAsync(sample, CancellationToken.None);
            Assert.Equal(UplinkPublishStatus.Accepted, result.Status);
            var wire = uplink.Metrics.DeltaWireBytes - before;
            output.WriteLine($"ops={ops} envelope={sample.Wire.Length} B (uncompressed envelope {plain} B) wire={wire} B per-op={wire / (double)ops:0.0} B");
            Assert.True(wire > sample.Wire.Length);
        }
    }

    /// <summary>One server and a region-side connection for the class; the test creates the stream, as the region would.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public NatsServerProcess Nats { get; private set; } = null!;

        public NatsConnection Region { get; private set; } = null!;

        public NatsJSContext Js { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Nats = await NatsServerProcess.StartAsync("max_payload: 4MB\n");
            Region = await UplinkTestKit.ConnectAsync(Nats.Url);
            Js = await UplinkTestKit.CreateDeltaStreamAsync(Region);
        }

        public async Task DisposeAsync()
        {
            await Region.DisposeAsync();
            await Nats.DisposeAsync();
        }
    }
}
