using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Attesters;
using Grey.Attestation.Randomness;
using Grey.Attestation.Registration;
using Grey.Attestation.Revocation;
using Grey.Attestation.Tests.TestSupport;
using Grey.Attestation.Tpm;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Attestation.Tests.Registration;

public sealed class RegistrarTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("rsaek")]
    [InlineData("eccek")]
    public void StartEnrollment_RealSwtpmEkChain_ChallengeIssued(string ek)
    {
        Registrar registrar = SwtpmRegistrar(Now);
        RegistrationResult r = registrar.StartEnrollment(SwtpmRequest("swtpm-node", ek));
        Assert.True(r.Accepted, r.Detail);
        Assert.NotNull(r.Challenge);
    }

    [Fact]
    public void StartEnrollment_BeforeEkCertificateNotBefore_EkCertificateNotValidNow()
    {
        // The swtpm EK certificates were issued on 2026-11-26 at 08:53 UTC.
        Registrar registrar = SwtpmRegistrar(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(RegistrationReason.EkCertificateNotValidNow, registrar.StartEnrollment(SwtpmRequest("swtpm-node", "rsaek")).Reason);
    }

    [Fact]
    public void StartEnrollment_OtherPinnedRoot_EkCertificateUntrusted()
    {
        var time = new FakeTimeProvider(Now);
        using SoftwareManufacturer other = SoftwareManufacturer.Create(time);
        var registrar = new Registrar(new RegistrarOptions([other.Root]), time, CryptoRandomSource.Instance);
        Assert.Equal(RegistrationReason.EkCertificateUntrusted, registrar.StartEnrollment(SwtpmRequest("swtpm-node", "rsaek")).Reason);
    }

    [Fact]
    public void StartEnrollment_IntermediateMissing_EkCertificateUntrusted()
    {
        Registrar registrar = SwtpmRegistrar(Now);
        EnrollmentRequest request = SwtpmRequest("swtpm-node", "rsaek") with { EkIntermediates = [] };
        Assert.Equal(RegistrationReason.EkCertificateUntrusted, registrar.StartEnrollment(request).Reason);
    }

    [Fact]
    public void StartEnrollment_EkPublicNotTheCertifiedKey_EkMismatch()
    {
        Registrar registrar = SwtpmRegistrar(Now);
        EnrollmentRequest request = SwtpmRequest("swtpm-node", "rsaek") with { EkPublic = TestData.Bytes("swtpm-ca/eccek.pub") };
        Assert.Equal(RegistrationReason.EkMismatch, registrar.StartEnrollment(request).Reason);
    }

    [Fact]
    public async Task StartEnrollment_ExpiredEkCertificate_EkCertificateNotValidNow()
    {
        var time = new FakeTimeProvider(Now);
        using SoftwareManufacturer m = SoftwareManufacturer.Create(time);
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc) { EkCertificateValidity = TimeSpan.FromHours(1) }, m, time);
        var registrar = new Registrar(new RegistrarOptions([m.Root]), time, CryptoRandomSource.Instance);
        time.Advance(TimeSpan.FromHours(2));
        RegistrationResult r = registrar.StartEnrollment((await tpm.GetIdentityAsync()).ToEnrollmentRequest("n1"));
        Assert.Equal(RegistrationReason.EkCertificateNotValidNow, r.Reason);
    }

    [Theory]
    [InlineData("Node-1")]
    [InlineData("-node")]
    [InlineData("")]
    [InlineData("a.b")]
    public void StartEnrollment_BadNodeId_NodeIdInvalid(string id)
    {
        Assert.Equal(RegistrationReason.NodeIdInvalid, SwtpmRegistrar(Now).StartEnrollment(SwtpmRequest(id, "rsaek")).Reason);
    }

    [Fact]
    public async Task CompleteEnrollment_AfterChallengeExpired_ChallengeExpired()
    {
        var time = new FakeTimeProvider(Now);
        using SoftwareManufacturer m = SoftwareManufacturer.Create(time);
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc), m, time);
        var registrar = new Registrar(new RegistrarOptions([m.Root]), time, CryptoRandomSource.Instance);
        RegistrationResult started = registrar.StartEnrollment((await tpm.GetIdentityAsync()).ToEnrollmentRequest("n1"));
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(RegistrationReason.ChallengeExpired, registrar.CompleteEnrollment("n1", await tpm.ActivateCredentialAsync(started.Challenge!)).Reason);
    }

    [Fact]
    public async Task SetState_RevokedThenEnabled_TransitionNotAllowedAndNoticesSequenced()
    {
        var time = new FakeTimeProvider(Now);
        using SoftwareManufacturer m = SoftwareManufacturer.Create(time);
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var issuer = new RevocationNoticeIssuer("registrar-1", key, time);
        var registrar = new Registrar(new RegistrarOptions([m.Root]), time, CryptoRandomSource.Instance, issuer);
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc), m, time);
        RegistrationResult started = registrar.StartEnrollment((await tpm.GetIdentityAsync()).ToEnrollmentRequest("n1"));
        Assert.True(registrar.CompleteEnrollment("n1", await tpm.ActivateCredentialAsync(started.Challenge!)).Accepted);

        RegistrationResult disabled = registrar.SetState("n1", NodeState.Disabled);
        RegistrationResult revoked = registrar.SetState("n1", NodeState.Revoked);
        Assert.Equal(1UL, RevocationNotice.Parse(disabled.Notice!.Payload).Sequence);
        Assert.Equal(2UL, RevocationNotice.Parse(revoked.Notice!.Payload).Sequence);
        Assert.Equal(RegistrationReason.TransitionNotAllowed, registrar.SetState("n1", NodeState.Enabled).Reason);
        Assert.Equal(RegistrationReason.NotEnabled, registrar.StartEnrollment((await tpm.GetIdentityAsync()).ToEnrollmentRequest("n1")).Reason);
    }

    [Fact]
    public async Task StartEnrollment_BannedEkUnderNewNodeId_Banned()
    {
        var time = new FakeTimeProvider(Now);
        using SoftwareManufacturer m = SoftwareManufacturer.Create(time);
        var registrar = new Registrar(new RegistrarOptions([m.Root]), time, CryptoRandomSource.Instance);
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc), m, time);
        RegistrationResult started = registrar.StartEnrollment((await tpm.GetIdentityAsync()).ToEnrollmentRequest("n1"));
        Assert.True(registrar.CompleteEnrollment("n1", await tpm.ActivateCredentialAsync(started.Challenge!)).Accepted);
        Assert.True(registrar.SetState("n1", NodeState.Banned).Accepted);
        Assert.Equal(RegistrationReason.Banned, registrar.StartEnrollment((await tpm.GetIdentityAsync()).ToEnrollmentRequest("n2")).Reason);
    }

    [Fact]
    public void TrimDer_NvPaddedCertificate_ExactDer()
    {
        byte[] der = TestData.Bytes("swtpm-ca/rsaek.der");
        byte[] padded = [.. der, 0, 0, 0, 0];
        Assert.Equal(der, Registrar.TrimDer(padded));
    }

    private static Registrar SwtpmRegistrar(DateTimeOffset now)
    {
        X509Certificate2 root = X509Certificate2.CreateFromPem(TestData.Text("swtpm-ca/swtpm-localca-rootca-cert.pem"));
        return new Registrar(new RegistrarOptions([root]), new FakeTimeProvider(now), CryptoRandomSource.Instance);
    }

    private static EnrollmentRequest SwtpmRequest(string nodeId, string ek)
    {
        byte[] issuer = X509Certificate2.CreateFromPem(TestData.Text("swtpm-ca/issuercert.pem")).RawData;
        return new EnrollmentRequest(nodeId, TestData.Bytes($"swtpm-ca/{ek}.pub"), TestData.Bytes($"swtpm-ca/{ek}.der"), [issuer], TestData.Bytes("swtpm-ecc/ak.pub"));
    }
}
