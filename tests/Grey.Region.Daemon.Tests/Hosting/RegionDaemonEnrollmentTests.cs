using System.Net;
using Grey.Attestation.Attesters;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Tpm;
using Grey.Federation.Messages;
using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Tests.Support;
using NATS.Client.Core;

namespace Grey.Region.Daemon.Tests.Hosting;

/// <summary>
/// The --dev region with ENROLL's enrollment service: a development software TPM node enrolls and attests over NATS
/// request/reply with the real <see cref="EnrollmentClient"/>, and its deltas merge and are acknowledged with the
/// region signing certificate the node pinned. Real clock.
/// </summary>
public sealed class RegionDaemonEnrollmentTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    private Task<RegionDaemon> StartDevRegionAsync(string region, string data) =>
        RegionDaemon.StartAsync(
            new RegionDaemonOptions { Region = region, DataDirectory = data, Api = new IPEndPoint(IPAddress.Loopback, 0), NatsUrls = [f.Nats.Url], Dev = true },
            new RegionDaemonDependencies { Time = TimeProvider.System });

    private static EnrollmentRequestSender Sender(NatsConnection nats, string site) => async (kind, payload, timeout, ct) =>
    {
        string subject = kind == EnrollmentRequestKind.Enroll ? EnrollmentSubjects.Enroll(site) : EnrollmentSubjects.Attest(site);
        try
        {
            NatsMsg<byte[]> reply = await nats.RequestAsync<byte[], byte[]>(subject, payload.ToArray(), replyOpts: new NatsSubOpts { Timeout = timeout }, cancellationToken: ct);
            return reply.Data is { } d ? EnrollmentReply.Of(d) : EnrollmentReply.Failed("empty reply");
        }
        catch (NatsNoReplyException)
        {
            return EnrollmentReply.Failed("no reply");
        }
    };

    [Fact]
    public async Task Enrollment_Production_TokenAdmitsTheNodeWithoutItRefused()
    {
        string data = f.NewFolder();
        string files = f.NewFolder();
        using RegionCertificateAuthority ca = RegionCertificateAuthority.Create("test enrollment CA", DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(1));
        await File.WriteAllTextAsync(Path.Combine(files, "ca.pem"), ca.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(files, "ca-key.pem"), ca.ExportPrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(files, "roots.pem"), DevelopmentAuthorities.ManufacturerRoot.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(files, "tokens"), "# tokens\nplant-token-0123456789\n");
        await using RegionDaemon d = await RegionDaemon.StartAsync(
            new RegionDaemonOptions
            {
                Region = "t-prod", DataDirectory = data, Api = new IPEndPoint(IPAddress.Loopback, 0), NatsUrls = [f.Nats.Url], AdminToken = RegionFixture.AdminToken,
                EnrollCaCertFile = Path.Combine(files, "ca.pem"), EnrollCaKeyFile = Path.Combine(files, "ca-key.pem"),
                EkRootsFile = Path.Combine(files, "roots.pem"), EnrollTokensFile = Path.Combine(files, "tokens"),
            },
            new RegionDaemonDependencies { Time = TimeProvider.System });
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
        string goodData = f.NewFolder();
        string badData = f.NewFolder();
        await using SoftwareTpm good = DevelopmentAuthorities.StartSoftwareTpm(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256], StateDirectory: Path.Combine(goodData, "tpm")), TimeProvider.System);
        await using SoftwareTpm bad = DevelopmentAuthorities.StartSoftwareTpm(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256], StateDirectory: Path.Combine(badData, "tpm")), TimeProvider.System);
        using EnrollmentClient withToken = EnrollmentClient.Open(good, new EnrollmentClientOptions("p1", "site-p", goodData) { EnrollmentToken = "plant-token-0123456789" }, TimeProvider.System, Sender(nats, "site-p"));
        using EnrollmentClient without = EnrollmentClient.Open(bad, new EnrollmentClientOptions("p2", "site-p", badData), TimeProvider.System, Sender(nats, "site-p"));

        Assert.Equal(EnrollmentStepStatus.Attested, (await withToken.RefreshAsync()).Status);
        Assert.Equal(ca.Certificate.RawData, withToken.PinnedCa!.RawData);
        Assert.Equal(EnrollmentStepStatus.Refused, (await without.RefreshAsync()).Status);
        Assert.NotNull(d.Host.Read(c => c.Registry.Find("p1")));
        Assert.Null(d.Host.Read(c => c.Registry.Find("p2")));

        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-p");
        await site.PublishAsync("t-prod", new SiteLog("site-p", 51, 4, region: "t-prod").Signed(1, 4, withToken.SigningCertificate!), "site-p:51:1-4");
        Assert.Equal(4UL, (await site.WaitAckAsync(withToken.RegionSigningCertificate!, 4)).MergedIndex);
    }

    [Fact]
    public async Task Enrollment_Production_AllowListedEkEnrollsWithoutTokenOthersRefused()
    {
        string data = f.NewFolder();
        string files = f.NewFolder();
        string listedData = f.NewFolder();
        string unlistedData = f.NewFolder();
        using RegionCertificateAuthority ca = RegionCertificateAuthority.Create("test enrollment CA", DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(1));
        await File.WriteAllTextAsync(Path.Combine(files, "ca.pem"), ca.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(files, "ca-key.pem"), ca.ExportPrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(files, "roots.pem"), DevelopmentAuthorities.ManufacturerRoot.ExportCertificatePem());
        await using SoftwareTpm listed = DevelopmentAuthorities.StartSoftwareTpm(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256], StateDirectory: Path.Combine(listedData, "tpm")), TimeProvider.System);
        await using SoftwareTpm unlisted = DevelopmentAuthorities.StartSoftwareTpm(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256], StateDirectory: Path.Combine(unlistedData, "tpm")), TimeProvider.System);

        // What an operator writes: sha256sum of the EK certificate's DER, upper case with colons as openssl prints it, a comment.
        string fingerprint = string.Join(':', System.Security.Cryptography.SHA256.HashData(listed.EkCertificate.RawData).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
        await File.WriteAllTextAsync(Path.Combine(files, "ek-allow"), $"# plant 7\n{fingerprint}   # q1\n");
        RegionDaemonOptions? options = RegionOptionsParser.Parse(
            ["--region", "t-allow", "--data", data, "--api", "127.0.0.1:0", "--nats", f.Nats.Url, "--admin-token", RegionFixture.AdminToken,
                "--enroll-ca-cert", Path.Combine(files, "ca.pem"), "--enroll-ca-key", Path.Combine(files, "ca-key.pem"), "--ek-roots", Path.Combine(files, "roots.pem"),
                "--ek-allow", Path.Combine(files, "ek-allow")],
            new Dictionary<string, string>(), File.ReadAllText, File.Exists, Directory.Exists, out List<string> errors);
        Assert.True(options is not null, string.Join(" | ", errors));
        await using RegionDaemon d = await RegionDaemon.StartAsync(options, new RegionDaemonDependencies { Time = TimeProvider.System });
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
        using EnrollmentClient allowed = EnrollmentClient.Open(listed, new EnrollmentClientOptions("q1", "site-q", listedData), TimeProvider.System, Sender(nats, "site-q"));
        using EnrollmentClient refused = EnrollmentClient.Open(unlisted, new EnrollmentClientOptions("q2", "site-q", unlistedData), TimeProvider.System, Sender(nats, "site-q"));

        Assert.Equal(EnrollmentStepStatus.Attested, (await allowed.RefreshAsync()).Status);
        EnrollmentStepResult no = await refused.RefreshAsync();
        Assert.Equal((EnrollmentStepStatus.Refused, RefusalCodes.EkNotAllowed), (no.Status, no.Code));
        Assert.NotNull(d.Host.Read(c => c.Registry.Find("q1")));
        Assert.Null(d.Host.Read(c => c.Registry.Find("q2")));

        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-q");
        await site.PublishAsync("t-allow", new SiteLog("site-q", 61, 3, region: "t-allow").Signed(1, 3, allowed.SigningCertificate!), "site-q:61:1-3");
        Assert.Equal(3UL, (await site.WaitAckAsync(allowed.RegionSigningCertificate!, 3)).MergedIndex);
    }

    [Fact]
    public async Task Enrollment_OverNats_NodeEnrollsAttestsAndItsDeltasAreAckedAlsoAfterRestart()
    {
        string data = f.NewFolder();
        string nodeData = f.NewFolder();
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
        EnrollmentRequestSender sender = Sender(nats, "site-e");
        await using SoftwareTpm tpm = DevelopmentAuthorities.StartSoftwareTpm(
            new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256], StateDirectory: Path.Combine(nodeData, "tpm")), TimeProvider.System);
        using EnrollmentClient client = EnrollmentClient.Open(tpm, new EnrollmentClientOptions("e1", "site-e", nodeData), TimeProvider.System, sender);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-e");
        var log = new SiteLog("site-e", 31, 20, region: "t-enroll");
        byte[] regionCert;

        await using (RegionDaemon d = await StartDevRegionAsync("t-enroll", data))
        {
            EnrollmentStepResult step = await client.RefreshAsync();
            Assert.Equal(EnrollmentStepStatus.Attested, step.Status);
            regionCert = d.Certificate.RawData;
            Assert.Equal(regionCert, client.RegionSigningCertificate!.RawData);
            Assert.Equal(Grey.Region.Registry.NodeAttestation.Passing, d.Host.Read(c => c.Registry.Find("e1")!.Attestation));

            await site.PublishAsync("t-enroll", log.Signed(1, 10, client.SigningCertificate!), "site-e:31:1-10");
            RegionAck ack = await site.WaitAckAsync(client.RegionSigningCertificate!, 10);
            Assert.Equal(("t-enroll", 10UL), (ack.Region, ack.MergedIndex));
        }

        // Restarted: the same region signing certificate (issued once, kept by the enrollment service), the node
        // re-admitted from the service's store with its unexpired result, and the log continues.
        await using RegionDaemon again = await StartDevRegionAsync("t-enroll", data);
        Assert.Equal(regionCert, again.Certificate.RawData);
        await site.PublishAsync("t-enroll", log.Signed(11, 20, client.SigningCertificate!), "site-e:31:11-20");
        Assert.Equal(20UL, (await site.WaitAckAsync(client.RegionSigningCertificate!, 20)).MergedIndex);
        Assert.Equal(0, again.Host.Read(c => c.Quarantine.Count));
        Assert.Equal(0, again.EnrollmentApplyRefusals);
    }
}
