using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Attesters;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Results;
using Grey.Attestation.Verification;
using Grey.Federation.Signing;

namespace Grey.Attestation.Tests.Enrollment;

public sealed class EnrollmentClientTests
{
    [Fact]
    public async Task RefreshAsync_FirstStart_EnrollsAttestsAndSignsVerifiably()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        SoftwareTpm tpm = world.StartTpm(data);
        EnrollmentClient client = world.OpenClient(tpm, data);

        EnrollmentStepResult step = await client.RefreshAsync();

        Assert.Equal(EnrollmentStepStatus.Attested, step.Status);
        Assert.Equal(EnrollmentWorld.Region, client.Region);
        X509Certificate2 cert = client.SigningCertificate!;
        Assert.True(cert.HasPrivateKey);
        Assert.Equal(world.Service.CaCertificate.RawData, client.PinnedCa!.RawData);
        Assert.Equal(world.Service.SigningCertificate.RawData, client.RegionSigningCertificate!.RawData);
        Assert.Equal(world.Time.GetUtcNow() + TimeSpan.FromHours(24), new DateTimeOffset(cert.NotAfter.ToUniversalTime()));

        // The region daemon's view: one enrolment, then one attestation naming this certificate's key.
        NodeEnrolled enrolled = Assert.Single(world.Handled, h => h.Enrolled is not null).Enrolled!;
        Assert.Equal(("node-1", EnrollmentWorld.Site), (enrolled.NodeId, enrolled.Site));
        Assert.Equal(cert.RawData, enrolled.DeltaSigningCertificate.RawData);
        NodeAttested attested = Assert.Single(world.Handled, h => h.Attested is not null).Attested!;
        using var verifierKey = world.Service.CreateResultVerificationKey();
        Assert.Equal(ResultCheck.Accepted, AttestationResultSigner.Check(attested.SignedResult, verifierKey, world.Time, "node-1", KeyBinding.KeyIdentifier(cert), out _));
        Assert.Equal(attested.ExpiresAt, client.ResultExpiresAt);

        // Deltas signed with the certificate verify with the certificate the region holds.
        byte[] wire = new MessageSigner(cert).SignEnvelope("delta"u8);
        var envelope = Grey.Federation.Signing.SignedEnvelope.Decode(wire);
        Assert.True(envelope.Value!.Verify(_ => enrolled.DeltaSigningCertificate).IsValid);

        // Half-way through the result's five minutes the client attests again; before that it has nothing to do.
        Assert.Equal(world.Time.GetUtcNow() + TimeSpan.FromMinutes(2.5), client.NextRefreshDue);
        Assert.Equal(EnrollmentStepStatus.Current, (await client.RefreshAsync()).Status);
        world.Time.Advance(TimeSpan.FromMinutes(2.5));
        Assert.Equal(EnrollmentStepStatus.Attested, (await client.RefreshAsync()).Status);
        Assert.Equal(2, world.Handled.Count(h => h.Attested is not null));
    }

    [Fact]
    public async Task RefreshAsync_ClientRestartedWithSameData_SameNodeResetCountUpReattests()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        SoftwareTpm tpm = world.StartTpm(data);
        EnrollmentClient first = world.OpenClient(tpm, data);
        Assert.Equal(EnrollmentStepStatus.Attested, (await first.RefreshAsync()).Status);
        byte[] firstCert = first.SigningCertificate!.RawData;
        uint resets = tpm.ResetCount;
        tpm.Shutdown();
        first.Dispose();

        world.Time.Advance(TimeSpan.FromMinutes(10));
        SoftwareTpm again = world.StartTpm(data);
        EnrollmentClient second = world.OpenClient(again, data);
        Assert.Equal(firstCert, second.SigningCertificate!.RawData);
        EnrollmentStepResult step = await second.RefreshAsync();

        Assert.Equal(EnrollmentStepStatus.Attested, step.Status);
        Assert.Equal(resets + 1, again.ResetCount);
        Assert.Contains("reboot", step.Detail, StringComparison.Ordinal);
        Assert.Single(world.Service.Nodes());
        Assert.Single(world.Handled, h => h.Enrolled is not null);
        NodeAttested attested = world.Handled.Last(h => h.Attested is not null).Attested!;
        Assert.True(attested.Reboot);
        Assert.False(attested.UncleanReboot);
    }
}
