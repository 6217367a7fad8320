using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grey.Federation;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Desired;
using Grey.Region.Tests.Desired;

namespace Grey.Region.Daemon.Tests.Desired;

/// <summary>Desired state through the daemon over a real nats-server: the API, the signed change on grey.desired.&lt;site&gt;, numbering across restarts, applied tracking.</summary>
public sealed class DesiredDaemonTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("desired");

    [Fact]
    public async Task Put_WithoutOrWithWrongToken_401AndNothingIssued()
    {
        await using RegionDaemon d = await DesiredRegion.StartAsync(f, "d-auth", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        using var http = new HttpClient { BaseAddress = new Uri(d.ApiUrl) };

        using HttpResponseMessage none = await http.PutAsync("/v1/sites/site-a/desired/fan", new ByteArrayContent("on"u8.ToArray()));
        using var wrong = new HttpRequestMessage(HttpMethod.Delete, "/v1/sites/site-a/desired/fan");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-token");
        using HttpResponseMessage wrongAnswer = await http.SendAsync(wrong);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);
        Assert.Equal("unauthorized", await ErrorCode(none));
        Assert.Empty(d.Desired.List("site-a"));
    }

    [Theory]
    [InlineData("/v1/sites/Site_A/desired/fan", 2, HttpStatusCode.BadRequest, "bad-site")]
    [InlineData("/v1/sites/site-a/desired/a%20b", 2, HttpStatusCode.BadRequest, "bad-key")]
    [InlineData("/v1/sites/site-a/desired/", 2, HttpStatusCode.BadRequest, "bad-key")]
    [InlineData("/v1/sites/site-z/desired/fan", 2, HttpStatusCode.NotFound, "site-unknown")]
    [InlineData("/v1/sites/site-a/desired/fan", FederationLimits.MaxValueBytes + 1, HttpStatusCode.RequestEntityTooLarge, "value-too-large")]
    public async Task Put_BadRequest_PreciseJsonError(string path, int valueBytes, HttpStatusCode status, string code)
    {
        await using RegionDaemon d = await DesiredRegion.StartAsync(f, "d-bad", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        using HttpClient http = DesiredRegion.Admin(d);

        using HttpResponseMessage r = await http.PutAsync(path, new ByteArrayContent(new byte[valueBytes]));

        Assert.Equal(status, r.StatusCode);
        Assert.Equal(code, await ErrorCode(r));
        Assert.Empty(d.Desired.List("site-a"));
    }

    [Theory]
    [InlineData(FederationLimits.MaxValueBytes + 1)]
    [InlineData(FederationLimits.MaxValueBytes * 3)]
    public async Task Put_ChunkedBodyOverLimit_413(int bytes)
    {
        await using RegionDaemon d = await DesiredRegion.StartAsync(f, "d-chunk", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        using HttpClient http = DesiredRegion.Admin(d);

        // A stream of unknown length goes out chunked, without Content-Length: the region must count.
        using var content = new StreamContent(new UnknownLengthStream(bytes));
        using HttpResponseMessage r = await http.PutAsync("/v1/sites/site-a/desired/big", content);

        Assert.Null(content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Equal("value-too-large", await ErrorCode(r));
        Assert.Empty(d.Desired.List("site-a"));
    }

    [Fact]
    public async Task Put_ValueOfMaxSize_Accepted()
    {
        await using RegionDaemon d = await DesiredRegion.StartAsync(f, "d-max", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        using HttpClient http = DesiredRegion.Admin(d);

        using HttpResponseMessage r = await http.PutAsync("/v1/sites/site-a/desired/blob", new ByteArrayContent(new byte[FederationLimits.MaxValueBytes]));

        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        Assert.Equal(FederationLimits.MaxValueBytes, Assert.Single(d.Desired.List("site-a")).Change.Value.Length);
    }

    [Fact]
    public async Task Put_ThenDelete_SignedChangesOnDesiredSubjectVerifyWithRegionCertificate()
    {
        await using RegionDaemon d = await DesiredRegion.StartAsync(f, "d-wire", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        await using DesiredListener site = await DesiredListener.StartAsync(f.Nats.Url, "site-a");
        using HttpClient http = DesiredRegion.Admin(d);

        using HttpResponseMessage put = await http.PutAsync("/v1/sites/site-a/desired/line/1/fan", new ByteArrayContent("on"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
        using JsonDocument answer = JsonDocument.Parse(await put.Content.ReadAsStringAsync());
        byte[] wire = await site.NextAsync();

        DesiredChange? change = DesiredListener.Verify(wire, Cert, out string reason);
        Assert.True(change is not null, reason);
        Assert.Equal(("d-wire", "site-a", 1UL, "desired/line/1/fan", OperationKind.Put), (change.Region, change.Site, change.Sequence, change.Key, change.Kind));
        Assert.Equal("on"u8.ToArray(), change.Value.ToArray());
        Assert.Equal("site-a", answer.RootElement.GetProperty("site").GetString());
        Assert.Equal("desired/line/1/fan", answer.RootElement.GetProperty("key").GetString());
        Assert.Equal(1UL, answer.RootElement.GetProperty("sequence").GetUInt64());
        Assert.Equal(Convert.ToHexStringLower(change.Digest), answer.RootElement.GetProperty("digest").GetString());

        // The checks a site makes can fail: a changed byte, or another region's certificate, is refused.
        byte[] tampered = (byte[])wire.Clone();
        tampered[^5] ^= 0x01;
        Assert.Null(DesiredListener.Verify(tampered, Cert, out _));
        Assert.Null(DesiredListener.Verify(wire, RegionFixture.RegionCertificate("other"), out _));

        using HttpResponseMessage delete = await http.DeleteAsync("/v1/sites/site-a/desired/line/1/fan");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        DesiredChange? second = null;
        while (second is null || second.Sequence == 1)
        {
            // Change 1 is still pending, so it goes out again in front of change 2.
            second = DesiredListener.Verify(await site.NextAsync(), Cert, out reason);
            Assert.True(second is not null, reason);
        }

        Assert.Equal((2UL, OperationKind.Delete, "desired/line/1/fan"), (second.Sequence, second.Kind, second.Key));
        using JsonDocument list = JsonDocument.Parse(await http.GetStringAsync("/v1/sites/site-a/desired"));
        Assert.Equal(["put", "delete"], list.RootElement.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("kind").GetString()));
        Assert.Equal(2UL, list.RootElement.GetProperty("pending").GetUInt64());
        string metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("grey_region_desired_issued_total 2", metrics, StringComparison.Ordinal);
        Assert.Contains("grey_region_desired_pending{site=\"site-a\"} 2", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_KeepsNumberingAndResendsPending()
    {
        string data = f.NewFolder();
        await using DesiredListener site = await DesiredListener.StartAsync(f.Nats.Url, "site-b");
        await using (RegionDaemon d = await DesiredRegion.StartAsync(f, "d-restart", data, Cert))
        {
            await f.AdmitAsync(d, f.B1);
            using HttpClient http = DesiredRegion.Admin(d);
            Assert.Equal(HttpStatusCode.Accepted, (await http.PutAsync("/v1/sites/site-b/desired/a", new ByteArrayContent([1]))).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await http.PutAsync("/v1/sites/site-b/desired/b", new ByteArrayContent([2]))).StatusCode);

            // Sends go 1, then 1 and 2: once 2 arrived nothing of this run is still in flight to be mistaken for a resend.
            while (DesiredListener.Verify(await site.NextAsync(), Cert, out _)!.Sequence != 2)
            {
            }
        }

        site.Drain();
        await using RegionDaemon again = await DesiredRegion.StartAsync(f, "d-restart", data, Cert);

        // Both changes are still pending after the restart: the sender sends them at once, in order.
        var resent = new List<ulong>();
        while (resent.Count < 2)
        {
            resent.Add(DesiredListener.Verify(await site.NextAsync(), Cert, out _)!.Sequence);
        }

        Assert.Equal([1UL, 2UL], resent);
        using HttpClient http2 = DesiredRegion.Admin(again);
        using HttpResponseMessage third = await http2.PutAsync("/v1/sites/site-b/desired/c", new ByteArrayContent([3]));
        using JsonDocument answer = JsonDocument.Parse(await third.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
        Assert.Equal(3UL, answer.RootElement.GetProperty("sequence").GetUInt64());
        Assert.Equal([1UL, 2UL, 3UL], again.Desired.List("site-b").Select(c => c.Change.Sequence));
    }

    [Fact]
    public async Task MergedDeltaCarryingTheChange_MarksAppliedStopsResendsAndSurvivesRestart()
    {
        string data = f.NewFolder();
        var options = new DesiredOptions { ResendInterval = TimeSpan.FromSeconds(10) };
        await using DesiredListener listener = await DesiredListener.StartAsync(f.Nats.Url, "site-a");
        await using (RegionDaemon d = await DesiredRegion.StartAsync(f, "d-applied", data, Cert, options))
        {
            await f.AdmitAsync(d, f.A1);
            using HttpClient http = DesiredRegion.Admin(d);
            Assert.Equal(HttpStatusCode.Accepted, (await http.PutAsync("/v1/sites/site-a/desired/fan", new ByteArrayContent("on"u8.ToArray()))).StatusCode);
            DesiredChange change = DesiredListener.Verify(await listener.NextAsync(), Cert, out _)!;

            // Not applied yet: the resend timer sends it again.
            await WaitForResendAsync(listener, options.ResendInterval);
            Assert.True(d.Desired.Resends >= 1);

            // The site applies it (the edge's put carrying the DesiredRef) and ships it up as an ordinary delta.
            await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
            var log = new DesiredSiteLog("d-applied", "site-a", 31).Put("temp", [21]).Apply(change);
            await site.PublishAsync("d-applied", log.Signed(1, 2, f.A1.Certificate), "site-a:31:1-2");
            await site.WaitAckAsync(Cert, 2);
            await WaitUntilAsync(() => d.Desired.PendingOf("site-a") == 0, "the applied mark to reach 1");

            using JsonDocument list = JsonDocument.Parse(await http.GetStringAsync("/v1/sites/site-a/desired"));
            Assert.True(list.RootElement.GetProperty("changes")[0].GetProperty("applied").GetBoolean());
            Assert.Equal(1UL, list.RootElement.GetProperty("applied").GetUInt64());
            Assert.Equal("on", await http.GetStringAsync("/v1/sites/site-a/state/desired/fan"));

            long resends = d.Desired.Resends;
            listener.Drain();
            f.Fleet.Time.Advance(options.ResendInterval * 2);
            Assert.False(await listener.AnyWithinAsync(TimeSpan.FromSeconds(2)), "an applied change was sent again");
            Assert.Equal(resends, d.Desired.Resends);
        }

        // After a restart the journal is loaded before the store replays: the desired write is still merged (a ledger
        // that forgot the change would skip it), the change is read as applied from state, and nothing is resent.
        listener.Drain();
        await using RegionDaemon again = await DesiredRegion.StartAsync(f, "d-applied", data, Cert, options);
        using HttpClient http2 = DesiredRegion.Admin(again);
        Assert.Equal("on", await http2.GetStringAsync("/v1/sites/site-a/state/desired/fan"));
        await WaitUntilAsync(() => again.Desired.AppliedOf("site-a") == 1, "the applied mark to be read from state");
        Assert.False(await listener.AnyWithinAsync(TimeSpan.FromSeconds(2)), "an applied change was sent after the restart");
    }

    [Fact]
    public async Task SiteReport_PendingChange_ResentAtOnceWithoutTheTimer()
    {
        // The timer is an hour away: only the report can make the change go out again.
        var options = new DesiredOptions { ResendInterval = TimeSpan.FromHours(1), MinReportResendGap = TimeSpan.Zero };
        await using RegionDaemon d = await DesiredRegion.StartAsync(f, "d-report", f.NewFolder(), Cert, options);
        await f.AdmitAsync(d, f.A1);
        await using DesiredListener listener = await DesiredListener.StartAsync(f.Nats.Url, "site-a");
        using HttpClient http = DesiredRegion.Admin(d);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PutAsync("/v1/sites/site-a/desired/fan", new ByteArrayContent([1]))).StatusCode);
        Assert.Equal(1UL, DesiredListener.Verify(await listener.NextAsync(), Cert, out _)!.Sequence);
        Assert.False(await listener.AnyWithinAsync(TimeSpan.FromSeconds(1)), "sent again without a reason");

        await using var nats = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = f.Nats.Url });
        byte[]? again = null;
        for (int i = 0; i < 40 && again is null; i++)
        {
            // Reports are best effort (core NATS): repeat until the loop has read one.
            await nats.PublishAsync("grey.status.d-report.site-a", new SiteReport("site-a", 41, 0, 0, 0, 0, 0, 0).Encode());
            if (await listener.AnyWithinAsync(TimeSpan.FromMilliseconds(500)))
            {
                again = [];
            }
        }

        Assert.NotNull(again);
        Assert.True(d.Desired.Resends >= 1);
    }

    private async Task WaitForResendAsync(DesiredListener listener, TimeSpan interval)
    {
        // The sender arms its timer after each round; advancing fake time before it did would be missed, so keep advancing.
        for (int i = 0; i < 20; i++)
        {
            f.Fleet.Time.Advance(interval);
            if (await listener.AnyWithinAsync(TimeSpan.FromSeconds(1)))
            {
                return;
            }
        }

        throw new TimeoutException("the pending change was not resent");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            await Task.Delay(50);
        }
    }

    private sealed class UnknownLengthStream(int length) : Stream
    {
        private int _left = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, _left);
            Array.Fill(buffer, (byte)'x', offset, n);
            _left -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static async Task<string?> ErrorCode(HttpResponseMessage r)
    {
        using JsonDocument body = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").GetString();
    }
}
