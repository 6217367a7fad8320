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

    [Fact]
    public async Task Enrollment_OverNats_NodeEnrollsAttestsAndItsDeltasAreAckedAlsoAfterRestart()
    {
        string data = f.NewFolder();
        string nodeData = f.NewFolder();
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
        EnrollmentRequestSender sender = async (kind, payload, timeout, ct) =>
        {
            string subject = kind == EnrollmentRequestKind.Enroll ? EnrollmentSubjects.Enroll("site-e") : EnrollmentSubjects.Attest("site-e");
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
