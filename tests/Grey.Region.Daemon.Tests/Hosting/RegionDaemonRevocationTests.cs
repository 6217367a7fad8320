using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Revocation;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Tests.Support;

namespace Grey.Region.Daemon.Tests.Hosting;

/// <summary>
/// The revocation repair end to end in the daemon over a real nats-server: a notice the site never received (it was
/// not subscribed when the node was revoked) is published again, fresh, when the revoked node's delta arrives, also
/// after the region restarted in between.
/// </summary>
public sealed class RegionDaemonRevocationTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("region-revoke");

    [Fact]
    public async Task Ingest_RevokedSignerAfterLostNoticeAndRestart_FreshNoticeRepublishedToTheSite()
    {
        string data = f.NewFolder();
        var log = new SiteLog("site-a", 41, 10, region: "t-revoke");
        ulong first;
        await using (RegionDaemon d = await f.StartRegionAsync("t-revoke", data, Cert))
        {
            await f.AdmitAsync(d, f.A1);
            await f.AdmitAsync(d, f.A2);

            // Nobody listens on grey.revoke.site-a yet: this notice is lost, as during a broker restart.
            (_, first, bool published) = await d.RevokeAsync("a2", CancellationToken.None);
            Assert.True(published);
        }

        await using RegionDaemon again = await f.StartRegionAsync("t-revoke", data, Cert);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        await site.PublishAsync("t-revoke", log.Signed(1, 5, f.A2.Certificate), "site-a:41:1-5");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        byte[] wire = await site.Revocations.Reader.ReadAsync(timeout.Token);
        Assert.True(SignedEnvelope.TryParse(wire, out SignedEnvelope? envelope, out string error), error);
        Assert.True(envelope!.Verify(Cert.GetECDsaPublicKey()!));
        RevocationNotice notice = RevocationNotice.Parse(envelope.Payload);
        Assert.Equal(("a2", NodeState.Revoked), (notice.NodeId, notice.State));

        // Fresh: a site that saw a later notice (or whose copy expired) accepts only a higher sequence.
        Assert.True(notice.Sequence > first, $"sequence {notice.Sequence} after {first}");
        Assert.Equal(1, again.Host.Metrics.RevocationsRepublished);
        Assert.Equal(1, again.Host.Read(c => c.Metrics.RejectedFor(Grey.Region.Ingest.RejectReason.NodeRevoked)));
    }
}
