using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Identifiers;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// The region's enrollment CA (an ECDSA key and its self-signed certificate): it issues the short-lived
/// delta-signing certificates of enrolled nodes and the region's own signing certificate. Nodes pin its
/// certificate at their first enrollment. Production regions load theirs from PEM files
/// (<see cref="LoadPemFiles"/>); development regions use <see cref="DevelopmentAuthorities.CreateRegionAuthority"/>,
/// which is the same everywhere and therefore insecure. Thread-safe (certificate issuance only reads).
/// </summary>
public sealed class RegionCertificateAuthority : IDisposable
{
    /// <summary>The curve every Grey signing key uses (MessageSigner accepts only ECDSA P-256).</summary>
    internal const string P256Oid = "1.2.840.10045.3.1.7";

    private readonly ECDsa _key;
    private readonly X509SignatureGenerator _generator;

    private RegionCertificateAuthority(X509Certificate2 certificate, ECDsa key, X509SignatureGenerator generator, bool isDevelopment)
    {
        Certificate = X509CertificateLoader.LoadCertificate(certificate.RawData);
        _key = key;
        _generator = generator;
        IsDevelopment = isDevelopment;
    }

    /// <summary>The CA certificate (public part only): what nodes pin.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>True for the built-in development CA, whose private key anyone can derive.</summary>
    public bool IsDevelopment { get; }

    /// <summary>Creates a fresh CA with a new random P-256 key (tests, and a first production setup that then exports it).</summary>
    public static RegionCertificateAuthority Create(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        X509SignatureGenerator generator = X509SignatureGenerator.CreateForECDsa(key);
        X509Certificate2 cert = SelfSigned($"CN={name}", key, generator, notBefore, notAfter);
        return new RegionCertificateAuthority(cert, key, generator, isDevelopment: false);
    }

    /// <summary>Loads a CA from PEM: its certificate and its (PKCS#8 or SEC1) ECDSA private key. Throws when they do not match or are not a CA.</summary>
    public static RegionCertificateAuthority FromPem(string certificatePem, string privateKeyPem)
    {
        X509Certificate2 cert = X509Certificate2.CreateFromPem(certificatePem);
        var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        using ECDsa? certKey = cert.GetECDsaPublicKey();
        if (certKey is null || !certKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            key.Dispose();
            throw new ArgumentException("the CA private key does not belong to the CA certificate");
        }

        if (!IsCa(cert))
        {
            key.Dispose();
            throw new ArgumentException("the CA certificate lacks basicConstraints CA=true");
        }

        return new RegionCertificateAuthority(cert, key, X509SignatureGenerator.CreateForECDsa(key), isDevelopment: false);
    }

    /// <summary>Loads a CA from a certificate PEM file and a private key PEM file.</summary>
    public static RegionCertificateAuthority LoadPemFiles(string certificatePath, string privateKeyPath) =>
        FromPem(File.ReadAllText(certificatePath), File.ReadAllText(privateKeyPath));

    internal static RegionCertificateAuthority Development(string name, ECDsa key, X509SignatureGenerator generator, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        new(SelfSigned($"CN={name}", key, generator, notBefore, notAfter), key, generator, isDevelopment: true);

    /// <summary>The CA certificate as PEM.</summary>
    public string ExportCertificatePem() => Certificate.ExportCertificatePem();

    /// <summary>The CA private key as PKCS#8 PEM (to store a CA made with <see cref="Create"/>; keep it secret).</summary>
    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>
    /// Issues a node's delta-signing certificate for an ECDSA P-256 SubjectPublicKeyInfo: subject
    /// <c>CN=&lt;node&gt;, OU=&lt;site&gt;</c>, a subject key identifier (MessageSigner names signers by it),
    /// digitalSignature only, not a CA, valid over the period given (cut at the CA's own expiry).
    /// </summary>
    public X509Certificate2 IssueDeltaSigningCertificate(string nodeId, string site, ReadOnlySpan<byte> subjectPublicKeyInfo, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        if (!FederationId.IsValid(nodeId) || !FederationId.IsValid(site))
        {
            throw new ArgumentException($"node '{nodeId}' or site '{site}' is not a valid id");
        }

        if (!TryCheckP256(subjectPublicKeyInfo, out string error))
        {
            throw new ArgumentException(error, nameof(subjectPublicKeyInfo));
        }

        PublicKey key = PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        var req = new CertificateRequest(new X500DistinguishedName($"CN={nodeId}, OU={site}, O=Grey delta signing"), key, HashAlgorithmName.SHA256);
        return Issue(req, subjectPublicKeyInfo, notBefore, notAfter, X509KeyUsageFlags.DigitalSignature);
    }

    /// <summary>
    /// Issues the region's signing certificate for <paramref name="key"/> (ECDSA P-256): subject
    /// <c>CN=&lt;region&gt;, O=Grey region</c>, with a subject key identifier, returned with its private key so it
    /// can sign acks (MessageSigner), attestation results and revocation notices.
    /// </summary>
    public X509Certificate2 IssueRegionSigningCertificate(string region, ECDsa key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!FederationId.IsValid(region))
        {
            throw new ArgumentException($"'{region}' is not a region id", nameof(region));
        }

        byte[] spki = key.ExportSubjectPublicKeyInfo();
        if (!TryCheckP256(spki, out string error))
        {
            throw new ArgumentException(error, nameof(key));
        }

        var req = new CertificateRequest($"CN={region}, O=Grey region", key, HashAlgorithmName.SHA256);
        using X509Certificate2 cert = Issue(req, spki, notBefore, notAfter, X509KeyUsageFlags.DigitalSignature);
        return cert.CopyWithPrivateKey(key);
    }

    /// <summary>Whether <paramref name="subjectPublicKeyInfo"/> is exactly one ECDSA P-256 public key.</summary>
    internal static bool TryCheckP256(ReadOnlySpan<byte> subjectPublicKeyInfo, out string error)
    {
        error = string.Empty;
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out int read);
            if (read != subjectPublicKeyInfo.Length)
            {
                error = "bytes after the SubjectPublicKeyInfo";
                return false;
            }

            if (key.ExportParameters(false).Curve.Oid?.Value != P256Oid)
            {
                error = "the key is not on P-256";
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
            // A curve the platform does not know is PlatformNotSupportedException (found by the enrollment fuzz test).
            error = "not an ECDSA SubjectPublicKeyInfo: " + e.Message;
            return false;
        }
    }

    internal static bool IsCa(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }

    private X509Certificate2 Issue(CertificateRequest req, ReadOnlySpan<byte> spki, DateTimeOffset notBefore, DateTimeOffset notAfter, X509KeyUsageFlags usage)
    {
        DateTimeOffset caNotAfter = new(Certificate.NotAfter.ToUniversalTime());
        DateTimeOffset caNotBefore = new(Certificate.NotBefore.ToUniversalTime());
        if (notAfter > caNotAfter)
        {
            notAfter = caNotAfter;
        }

        if (notBefore < caNotBefore)
        {
            notBefore = caNotBefore;
        }

        if (notAfter <= notBefore)
        {
            throw new ArgumentException($"the validity {notBefore:u}..{notAfter:u} is empty (the CA is valid {caNotBefore:u}..{caNotAfter:u})");
        }

        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));

        // The serial is derived from the key and the start time: unique per issuance, and deterministic, so the
        // development CA gives every process the same certificate for the same input. Positive, 16 bytes.
        Span<byte> material = stackalloc byte[8];
        BitConverter.TryWriteBytes(material, notBefore.ToUnixTimeMilliseconds());
        byte[] serial = SHA256.HashData([.. spki, .. material])[..16];
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return req.Create(Certificate.SubjectName, _generator, notBefore, notAfter, serial);
    }

    private static X509Certificate2 SelfSigned(string subject, ECDsa key, X509SignatureGenerator generator, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        byte[] serial = SHA256.HashData(key.ExportSubjectPublicKeyInfo())[..16];
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return req.Create(req.SubjectName, generator, notBefore, notAfter, serial);
    }
}
