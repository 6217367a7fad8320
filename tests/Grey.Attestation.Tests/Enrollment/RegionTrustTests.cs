using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Registration;
using Grey.Attestation.Revocation;
using Grey.Federation.Signing;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Attestation.Tests.Enrollment;

public sealed class RegionTrustTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void VerifyEnvelope_AckSignedByRegionCertificate_ValidWithContent()
    {
        using var ca = RegionCertificateAuthority.Create("Region CA", Now.AddDays(-1), Now.AddYears(1));
        using X509Certificate2 region = RegionCert(ca);
        RegionTrust trust = Trust(ca.Certificate, region, new FakeTimeProvider(Now));

        byte[] ack = new MessageSigner(region).SignEnvelope("ack 42"u8);
        RegionTrustResult result = trust.VerifyEnvelope(ack);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal("ack 42"u8.ToArray(), result.Content.ToArray());
    }

    [Fact]
    public void VerifyEnvelope_AckSignedByAnotherCasRegionCertificate_Refused()
    {
        using var ca = RegionCertificateAuthority.Create("Region CA", Now.AddDays(-1), Now.AddYears(1));
        using var other = RegionCertificateAuthority.Create("Region CA", Now.AddDays(-1), Now.AddYears(1));
        using X509Certificate2 region = RegionCert(ca);
        using X509Certificate2 forged = RegionCert(other);
        var time = new FakeTimeProvider(Now);
        RegionTrust trust = Trust(ca.Certificate, region, time);

        // Signed by a region certificate of another CA (same names): its key id is not the pinned region's.
        RegionTrustResult result = trust.VerifyEnvelope(new MessageSigner(forged).SignEnvelope("ack 42"u8));
        Assert.Equal(RegionTrustStatus.SignerUnknown, result.Status);

        // Nor can the forged certificate become the region certificate: it does not chain to the pinned CA.
        Assert.False(RegionTrust.TryCreate("eu-west", ca.Certificate, forged, time, 0, out _, out string error));
        Assert.Contains("pinned region CA", error, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyEnvelope_TamperedContentOrGarbage_Refused()
    {
        using var ca = RegionCertificateAuthority.Create("Region CA", Now.AddDays(-1), Now.AddYears(1));
        using X509Certificate2 region = RegionCert(ca);
        RegionTrust trust = Trust(ca.Certificate, region, new FakeTimeProvider(Now));
        byte[] signed = new MessageSigner(region).SignDetached("ack 42"u8);

        Assert.Equal(RegionTrustStatus.SignatureInvalid, trust.VerifyEnvelope(Grey.Federation.Signing.SignedEnvelope.Encode("ack 43"u8, signed)).Status);
        Assert.Equal(RegionTrustStatus.Malformed, trust.VerifyEnvelope(new byte[] { 1, 2, 3 }).Status);
    }

    [Fact]
    public void VerifyEnvelope_RegionCertificateExpired_Refused()
    {
        using var ca = RegionCertificateAuthority.Create("Region CA", Now.AddDays(-1), Now.AddYears(1));
        using X509Certificate2 region = RegionCert(ca, TimeSpan.FromDays(1));
        var time = new FakeTimeProvider(Now);
        RegionTrust trust = Trust(ca.Certificate, region, time);
        byte[] ack = new MessageSigner(region).SignEnvelope("ack"u8);
        Assert.True(trust.VerifyEnvelope(ack).IsValid);

        time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(RegionTrustStatus.CertificateExpired, trust.VerifyEnvelope(ack).Status);
        Assert.False(RegionTrust.TryCreate("eu-west", ca.Certificate, region, time, 0, out _, out _));
    }

    [Fact]
    public void VerifyRevocationNotice_OtherKeyOrIssuerOrReplay_Refused()
    {
        using var ca = RegionCertificateAuthority.Create("Region CA", Now.AddDays(-1), Now.AddYears(1));
        using X509Certificate2 region = RegionCert(ca);
        var time = new FakeTimeProvider(Now);
        RegionTrust trust = Trust(ca.Certificate, region, time, lastRevocationSequence: 3);
        using ECDsa key = region.GetECDsaPrivateKey()!;
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        byte[] old = new RevocationNoticeIssuer("eu-west", key, time, lastSequence: 2).Issue("node-1", NodeState.Revoked).ToBytes();
        byte[] fresh = new RevocationNoticeIssuer("eu-west", key, time, lastSequence: 3).Issue("node-1", NodeState.Revoked).ToBytes();
        byte[] foreign = new RevocationNoticeIssuer("eu-west", stranger, time, lastSequence: 9).Issue("node-1", NodeState.Revoked).ToBytes();
        byte[] otherIssuer = new RevocationNoticeIssuer("us-east", key, time, lastSequence: 9).Issue("node-1", NodeState.Revoked).ToBytes();

        Assert.Equal(NoticeCheck.Replayed, trust.VerifyRevocationNotice(old, out _));
        Assert.Equal(NoticeCheck.SignatureInvalid, trust.VerifyRevocationNotice(foreign, out _));
        Assert.Equal(NoticeCheck.WrongIssuer, trust.VerifyRevocationNotice(otherIssuer, out _));
        Assert.Equal(NoticeCheck.Malformed, trust.VerifyRevocationNotice(new byte[] { 0, 1 }, out _));
        Assert.Equal(NoticeCheck.Accepted, trust.VerifyRevocationNotice(fresh, out RevocationNotice? notice));
        Assert.Equal(4UL, notice!.Sequence);
        Assert.Equal(4UL, trust.LastRevocationSequence);
    }

    [Fact]
    public void ChainsTo_OnlyThePinnedCaCounts_NotTheOsStore()
    {
        using var ca = RegionCertificateAuthority.Create("Region CA", Now.AddDays(-1), Now.AddYears(1));
        using var other = RegionCertificateAuthority.Create("Other CA", Now.AddDays(-1), Now.AddYears(1));
        using X509Certificate2 region = RegionCert(ca);
        Assert.True(RegionTrust.ChainsTo(ca.Certificate, region, Now, out _));
        Assert.False(RegionTrust.ChainsTo(other.Certificate, region, Now, out _));
        Assert.False(RegionTrust.ChainsTo(ca.Certificate, region, Now.AddYears(2), out _));
    }

    private static X509Certificate2 RegionCert(RegionCertificateAuthority ca, TimeSpan? lifetime = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return ca.IssueRegionSigningCertificate("eu-west", key, Now.AddMinutes(-1), Now + (lifetime ?? TimeSpan.FromDays(30)));
    }

    private static RegionTrust Trust(X509Certificate2 ca, X509Certificate2 region, TimeProvider time, ulong lastRevocationSequence = 0)
    {
        Assert.True(RegionTrust.TryCreate("eu-west", ca, region, time, lastRevocationSequence, out RegionTrust? trust, out string error), error);
        return trust!;
    }
}
