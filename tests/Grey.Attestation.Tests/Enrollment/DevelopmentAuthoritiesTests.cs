using System.Security.Cryptography;
using Grey.Attestation.Enrollment;

namespace Grey.Attestation.Tests.Enrollment;

public sealed class DevelopmentAuthoritiesTests
{
    [Fact]
    public void CreateRegionAuthority_EveryCall_ByteIdenticalCertificate()
    {
        using RegionCertificateAuthority a = DevelopmentAuthorities.CreateRegionAuthority();
        using RegionCertificateAuthority b = DevelopmentAuthorities.CreateRegionAuthority();
        Assert.Equal(a.Certificate.RawData, b.Certificate.RawData);
        Assert.True(a.IsDevelopment);
        Assert.Contains("INSECURE", a.Certificate.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void DevelopmentCertificates_PinnedFingerprints_NeverChangeSilently()
    {
        // Every development edge and region in the field derives these; changing them breaks their pins.
        using RegionCertificateAuthority ca = DevelopmentAuthorities.CreateRegionAuthority();
        string caPrint = Fingerprint(ca.Certificate.RawData);
        string rootPrint = Fingerprint(DevelopmentAuthorities.ManufacturerRoot.RawData);
        Assert.Equal(DevelopmentAuthorities.ManufacturerRoot.RawData, DevelopmentAuthorities.ManufacturerRoot.RawData);
        Assert.Equal(ExpectedRegionCa, caPrint);
        Assert.Equal(ExpectedManufacturerRoot, rootPrint);
    }

    [Fact]
    public void IssueDeltaSigningCertificate_FromDevelopmentCa_ChainsAndIsDeterministic()
    {
        using RegionCertificateAuthority ca = DevelopmentAuthorities.CreateRegionAuthority();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        DateTimeOffset at = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
        using var one = ca.IssueDeltaSigningCertificate("node-1", "plant-7", key.ExportSubjectPublicKeyInfo(), at, at.AddHours(24));
        using var two = ca.IssueDeltaSigningCertificate("node-1", "plant-7", key.ExportSubjectPublicKeyInfo(), at, at.AddHours(24));
        Assert.Equal(one.RawData, two.RawData);
        Assert.True(RegionTrust.ChainsTo(ca.Certificate, one, at.AddHours(1), out string error), error);
        Assert.Throws<ArgumentException>(() => ca.IssueDeltaSigningCertificate("node-1", "plant-7", new byte[] { 1, 2, 3 }, at, at.AddHours(1)));
    }

    private static string Fingerprint(byte[] der) => Convert.ToHexStringLower(SHA256.HashData(der));

    private const string ExpectedRegionCa = "499515d0da5a1f1919d0a7572d7a09837ebc1a8de513c06f584b66b806973268";
    private const string ExpectedManufacturerRoot = "966e2da79c430ef012ab1f0aec866a866bb33453bbc06060ab8cda801395f35a";
}
