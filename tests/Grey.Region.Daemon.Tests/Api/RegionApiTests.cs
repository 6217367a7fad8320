using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grey.Attestation.Registration;
using Grey.Attestation.Revocation;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Tests.Support;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Region.Daemon.Tests.Api;

/// <summary>The HTTP API: bearer auth (401), every 4xx, revocation.</summary>
public sealed class RegionApiTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("api");

    [Fact]
    public async Task Reads_OutsideDev_NeedTheAdminToken()
    {
        await using RegionDaemon d = await f.StartRegionAsync("t-auth", f.NewFolder(), Cert, dev: false);
        using var http = new HttpClient { BaseAddress = new Uri(d.ApiUrl) };
        foreach (string path in new[] { "/v1/sites", "/v1/nodes", "/v1/quarantine", "/metrics", "/v1/sites/site-a", "/v1/shared/count" })
        {
            using HttpResponseMessage none = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("unauthorized", JsonDocument.Parse(await none.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
            using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "not-the-admin-token-at-all") } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RegionFixture.AdminToken);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/sites")).StatusCode);
        Assert.Contains("grey_region_deltas_merged_total 0", await http.GetStringAsync("/metrics"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Revoke_UnderDev_StillNeedsTheTokenAndEveryBadRequestIs4xx()
    {
        await using RegionDaemon d = await f.StartRegionAsync("t-4xx", f.NewFolder(), Cert, dev: true);
        await f.AdmitAsync(d, f.A2);
        using var http = new HttpClient { BaseAddress = new Uri(d.ApiUrl) };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/sites")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/v1/nodes/a2/revoke", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/v1/sites/Not_A_Site")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/sites/site-z")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/v1/sites/Bad_Site/state/k1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/v1/sites/site-a/state/shared/count")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/v1/sites/site-a/state/" + new string('k', 300))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/sites/site-a/state/k1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/shared/nothing")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/no-such-route")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("/v1/sites")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RegionFixture.AdminToken);
        HttpResponseMessage bad = await http.PostAsync("/v1/nodes/Bad_Node/revoke", null);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("bad-node", JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/v1/nodes/zz9/revoke", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/nodes/a2/revoke", null)).StatusCode);
    }

    [Fact]
    public async Task Revoke_PublishesSignedNoticeAndTheNodesNextDeltaIsQuarantined()
    {
        await using RegionDaemon d = await f.StartRegionAsync("t-revoke", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        await f.AdmitAsync(d, f.A2);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        var log = new SiteLog("site-a", 21, 10, region: "t-revoke");
        await site.PublishAsync("t-revoke", log.Signed(1, 5, f.A2.Certificate), "site-a:21:1-5");
        await site.WaitAckAsync(Cert, 5);
        using var http = new HttpClient { BaseAddress = new Uri(d.ApiUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RegionFixture.AdminToken);

        using JsonDocument revoked = JsonDocument.Parse(await (await http.PostAsync("/v1/nodes/a2/revoke", null)).Content.ReadAsStringAsync());

        Assert.True(revoked.RootElement.GetProperty("revoked").GetBoolean());
        Assert.True(revoked.RootElement.GetProperty("notice_published").GetBoolean());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        byte[] wire = await site.Revocations.Reader.ReadAsync(cts.Token);
        Assert.True(AttestationEnvelope.TryParse(wire, out AttestationEnvelope? envelope, out _));
        var validator = new RevocationNoticeValidator("t-revoke", Cert.GetECDsaPublicKey()!, f.Fleet.Time);
        Assert.Equal(NoticeCheck.Accepted, validator.Accept(envelope!, out RevocationNotice? notice));
        Assert.Equal(("a2", NodeState.Revoked), (notice!.NodeId, notice.State));

        await site.PublishAsync("t-revoke", log.Signed(6, 10, f.A2.Certificate), "site-a:21:6-10");
        List<string> reasons = [];
        for (int i = 0; i < 200 && reasons.Count == 0; i++)
        {
            await Task.Delay(50);
            reasons = [.. JsonDocument.Parse(await http.GetStringAsync("/v1/quarantine")).RootElement.EnumerateArray().Select(e => e.GetProperty("reason").GetString()!)];
        }

        Assert.Equal(["node-revoked"], reasons);

        // The other node of the site re-ships the range with its own key: nothing is lost.
        await site.PublishAsync("t-revoke", log.Signed(6, 10, f.A1.Certificate), "site-a:21:6-10:a1");
        Assert.Equal(10UL, (await site.WaitAckAsync(Cert, 10)).MergedIndex);
        using JsonDocument nodes = JsonDocument.Parse(await http.GetStringAsync("/v1/nodes"));
        Assert.True(nodes.RootElement.EnumerateArray().Single(n => n.GetProperty("node").GetString() == "a2").GetProperty("revoked").GetBoolean());
    }
}
