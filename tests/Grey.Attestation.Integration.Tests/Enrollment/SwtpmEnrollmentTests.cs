using Grey.Attestation.Attesters;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Integration.Tests.Swtpm;
using Grey.Attestation.Randomness;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Attestation.Integration.Tests.Enrollment;

/// <summary>
/// The enrollment protocol against a real TPM 2.0 (swtpm through tpm2-tools): a production-mode region
/// (its own CA, the swtpm local CA pinned, a token), real TPM2_ActivateCredential for the RSA EK and the
/// ECC P-384 EK, real quotes over the region's nonces with the key bound in PCR 16, and a re-attestation
/// after a TPM reboot. One node per TPM boot: both AKs share the TPM's PCRs, so each node is quoted only in a
/// boot where it alone extended PCR 16.
/// </summary>
public sealed class SwtpmEnrollmentTests(SwtpmFixture tpm) : IClassFixture<SwtpmFixture>
{
    [Fact]
    public async Task RefreshAsync_RealTpm_EnrollsAttestsAndReattestsAfterReboot()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1));
        string root = Directory.CreateTempSubdirectory("grey-enroll-swtpm-").FullName;
        try
        {
            using RegionCertificateAuthority ca = RegionCertificateAuthority.Create("Test Region CA", time.GetUtcNow().AddDays(-1), time.GetUtcNow().AddYears(1));
            var options = new EnrollmentServiceOptions("eu-west", Path.Combine(root, "region"))
            {
                Authority = ca,
                ManufacturerRoots = [tpm.Root],
                KnownIntermediates = [tpm.Issuer],
                EnrollmentTokens = new HashSet<string> { "swtpm-token" },
            };
            using EnrollmentService service = EnrollmentService.Open(options, time, CryptoRandomSource.Instance);
            var handled = new List<EnrollmentHandled>();
            EnrollmentRequestSender send = async (kind, payload, timeout, ct) =>
            {
                EnrollmentHandled h = kind == EnrollmentRequestKind.Enroll
                    ? await service.HandleEnrollAsync("plant-7", payload, ct)
                    : await service.HandleAttestAsync("plant-7", payload, ct);
                handled.Add(h);
                return EnrollmentReply.Of(h.Reply);
            };

            await RebootAsync();
            string eccData = Path.Combine(root, "ecc-node");
            EnrollmentClientOptions eccOptions = new("ecc-node", "plant-7", eccData) { EnrollmentToken = "swtpm-token" };
            using (var first = EnrollmentClient.Open(tpm.EccAk, eccOptions, time, send))
            {
                EnrollmentStepResult step = await first.RefreshAsync();
                Assert.True(step.Status == EnrollmentStepStatus.Attested, step.ToString());
            }

            // A reboot of the TPM and a restart of the node: same data directory, the key bound again, reboot reported.
            await RebootAsync();
            using (var again = EnrollmentClient.Open(tpm.EccAk, eccOptions, time, send))
            {
                EnrollmentStepResult step = await again.RefreshAsync();
                Assert.True(step.Status == EnrollmentStepStatus.Attested, step.ToString());
                Assert.True(handled[^1].Attested!.Reboot);
            }

            // The ECC P-384 EK (high-range policy) activates its credential too.
            await RebootAsync();
            using (var rsa = EnrollmentClient.Open(tpm.RsaAk, new EnrollmentClientOptions("rsa-node", "plant-7", Path.Combine(root, "rsa-node")) { EnrollmentToken = "swtpm-token" }, time, send))
            {
                EnrollmentStepResult step = await rsa.RefreshAsync();
                Assert.True(step.Status == EnrollmentStepStatus.Attested, step.ToString());
            }

            Assert.Equal(["ecc-node", "rsa-node"], service.Nodes().Select(n => n.NodeId));
            Assert.Equal(2, handled.Count(h => h.Enrolled is not null));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private async Task RebootAsync()
    {
        await tpm.PowerCycleAsync(orderly: true);
        tpm.EccAk.ClearEventLog();
        tpm.RsaAk.ClearEventLog();
    }
}
