using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Attestation.Attesters;

/// <summary>
/// A stand-in TPM manufacturer for software nodes and tests: a root CA and an intermediate that issue EK
/// certificates. Its root is what a registrar pins for software nodes. Dates come from the TimeProvider.
/// </summary>
public sealed class SoftwareManufacturer : IDisposable
{
    private readonly ECDsa _rootKey;
    private readonly ECDsa _issuerKey;
    private readonly X509Certificate2 _issuerWithKey;
    private long _serial = 1;

    private SoftwareManufacturer(ECDsa rootKey, X509Certificate2 root, ECDsa issuerKey, X509Certificate2 issuerWithKey)
    {
        _rootKey = rootKey;
        Root = X509CertificateLoader.LoadCertificate(root.RawData);
        _issuerKey = issuerKey;
        _issuerWithKey = issuerWithKey;
        Intermediate = X509CertificateLoader.LoadCertificate(issuerWithKey.RawData);
    }

    /// <summary>The root to pin (public part only).</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The intermediate that signs EK certificates (public part only).</summary>
    public X509Certificate2 Intermediate { get; }

    public static SoftwareManufacturer Create(TimeProvider time, string name = "Grey Software TPM", TimeSpan? validity = null)
    {
        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset notAfter = now + (validity ?? TimeSpan.FromDays(3650));
        var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootReq = new CertificateRequest($"CN={name} Root CA", rootKey, HashAlgorithmName.SHA256);
        rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        rootReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootReq.PublicKey, false));
        X509Certificate2 root = rootReq.CreateSelfSigned(now.AddMinutes(-1), notAfter);

        var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuerReq = new CertificateRequest($"CN={name} EK Issuing CA", issuerKey, HashAlgorithmName.SHA256);
        issuerReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        issuerReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        issuerReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(issuerReq.PublicKey, false));
        issuerReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using X509Certificate2 issuer = issuerReq.Create(root, now.AddMinutes(-1), notAfter, [1]);
        X509Certificate2 issuerWithKey = issuer.CopyWithPrivateKey(issuerKey);
        return new SoftwareManufacturer(rootKey, root, issuerKey, issuerWithKey);
    }

    /// <summary>Issues an EK certificate for an RSA or ECC public key, valid over the given period.</summary>
    public X509Certificate2 IssueEkCertificate(AsymmetricAlgorithm ekPublic, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        CertificateRequest req = ekPublic switch
        {
            RSA rsa => new CertificateRequest("CN=Grey Software TPM EK", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDiffieHellman dh => new CertificateRequest(new X500DistinguishedName("CN=Grey Software TPM EK"), new PublicKey(dh), HashAlgorithmName.SHA256),
            ECDsa ec => new CertificateRequest("CN=Grey Software TPM EK", ec, HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("RSA or ECC keys only", nameof(ekPublic)),
        };
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(
            ekPublic is RSA ? X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.KeyAgreement, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("2.23.133.8.1")], false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_issuerWithKey, true, false));
        byte[] serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial) + 1000);
        X509SignatureGenerator generator = X509SignatureGenerator.CreateForECDsa(_issuerKey);
        return req.Create(_issuerWithKey.SubjectName, generator, notBefore, notAfter, serial);
    }

    public void Dispose()
    {
        _rootKey.Dispose();
        _issuerKey.Dispose();
        _issuerWithKey.Dispose();
        Root.Dispose();
        Intermediate.Dispose();
    }
}
