using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Results;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;
using Grey.Region.Registry;

namespace Grey.Simulation.Fleet;

/// <summary>
/// The keys of a simulated fleet: a region signing CA and one signing certificate per region (acks and region deltas,
/// checked by the edge's real <c>RegionAckVerifier</c>), one delta-signing certificate per edge node, an attestation
/// verifier key that signs real attestation results for them, and an unenrolled key for forged deltas. The TPM quote
/// itself is not simulated: the verifier signs a passing result for each node's key at enrollment (docs/FLEET.md).
/// </summary>
internal sealed class FleetIdentities : IDisposable
{
    private static readonly DateTimeOffset NotBefore = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2036, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ECDsa verifierKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public FleetIdentities(IReadOnlyList<string> regions)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=grey-fleet-region-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        RegionCa = caRequest.CreateSelfSigned(NotBefore, NotAfter);
        var certs = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        byte serial = 1;
        foreach (string region in regions)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=" + region, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            using X509Certificate2 issued = request.Create(RegionCa, NotBefore.AddDays(1), NotAfter.AddDays(-1), [serial++]);
            certs[region] = issued.CopyWithPrivateKey(key);
        }

        RegionCertificates = certs;
        PublicRegionCertificates = [.. certs.Values.Select(c => X509CertificateLoader.LoadCertificate(c.RawData))];
        ForgeCertificate = CreateNodeCertificate("forger");
    }

    public X509Certificate2 RegionCa { get; }

    /// <summary>Each region's signing certificate with its private key.</summary>
    public IReadOnlyDictionary<string, X509Certificate2> RegionCertificates { get; }

    /// <summary>The regions' public certificates, as sites learn them at enrollment.</summary>
    public IReadOnlyList<X509Certificate2> PublicRegionCertificates { get; }

    /// <summary>A key no region enrolled: deltas signed with it are forged.</summary>
    public X509Certificate2 ForgeCertificate { get; }

    /// <summary>A fresh delta-signing certificate for a node (self-signed, with a subject key identifier, as the edge makes).</summary>
    public static X509Certificate2 CreateNodeCertificate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(NotBefore, NotAfter);
    }

    /// <summary>A registry trusting this fleet's attestation verifier, on <paramref name="time"/>.</summary>
    public NodeRegistry NewRegistry(TimeProvider time)
    {
        var pub = ECDsa.Create();
        pub.ImportSubjectPublicKeyInfo(verifierKey.ExportSubjectPublicKeyInfo(), out _);
        return new NodeRegistry(pub, time);
    }

    /// <summary>Enrolls a node in <paramref name="registry"/> and applies a passing attestation result signed for its key.</summary>
    public void Admit(NodeRegistry registry, string nodeId, string site, X509Certificate2 certificate, TimeProvider time)
    {
        string? refused = registry.Enroll(nodeId, site, X509CertificateLoader.LoadCertificate(certificate.RawData));
        if (refused is not null)
        {
            throw new InvalidOperationException($"simulated enrollment of {nodeId} refused: {refused}");
        }

        var signer = new AttestationResultSigner("fleet-verifier", verifierKey, time, FleetTiming.AttestationLifetime);
        string keyId = KeyBinding.KeyIdentifier(certificate);
        byte[] boundKeyHash = SHA256.HashData(KeyBinding.SubjectPublicKeyInfo(certificate));
        var result = signer.Sign(nodeId, new byte[34], keyId, boundKeyHash, new TpmsClockInfo(1, 1, 0, true), reboot: false, unclean: false);
        ResultCheck check = registry.ApplyAttestationResult(nodeId, result);
        if (check != ResultCheck.Accepted)
        {
            throw new InvalidOperationException($"simulated attestation result of {nodeId} refused: {check}");
        }
    }

    public void Dispose()
    {
        verifierKey.Dispose();
        RegionCa.Dispose();
        ForgeCertificate.Dispose();
        foreach (X509Certificate2 c in RegionCertificates.Values)
        {
            c.Dispose();
        }

        foreach (X509Certificate2 c in PublicRegionCertificates)
        {
            c.Dispose();
        }
    }
}
