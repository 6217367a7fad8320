using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Attesters;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// INSECURE. The built-in development authorities of <c>--dev</c>: a software-TPM manufacturer (root and EK
/// issuing CA) and a region enrollment CA, all derived from fixed labels, so every development edge and
/// every development region (and every test) agree on them without configuration. Anyone can derive their
/// private keys from this source: a region in development mode trusts any software TPM and anyone can mint
/// its certificates. Never use them for a deployment that matters.
/// </summary>
public static class DevelopmentAuthorities
{
    /// <summary>What logs and docs say whenever these authorities are in use.</summary>
    public const string InsecureWarning = "development mode: the built-in development CAs are public and insecure; any software TPM is trusted";

    /// <summary>Validity of every development CA certificate: fixed, so the certificates are byte-identical everywhere.</summary>
    public static readonly DateTimeOffset NotBefore = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>End of validity of the development CA certificates.</summary>
    public static readonly DateTimeOffset NotAfter = new(2120, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const string SeedPrefix = "grey-development-insecure-v1/";
    private static readonly Lazy<Manufacturer> DevManufacturer = new(CreateManufacturer);

    /// <summary>The development manufacturer root that a region under <c>--dev</c> pins for EK certificates (public part).</summary>
    public static X509Certificate2 ManufacturerRoot => X509CertificateLoader.LoadCertificate(DevManufacturer.Value.Root.RawData);

    /// <summary>The development manufacturer's EK issuing CA (public part), sent by software TPMs as their EK intermediate.</summary>
    public static X509Certificate2 ManufacturerIntermediate => X509CertificateLoader.LoadCertificate(DevManufacturer.Value.Issuer.RawData);

    /// <summary>The development region enrollment CA (the same in every process); the caller disposes it.</summary>
    public static RegionCertificateAuthority CreateRegionAuthority()
    {
        BigInteger d = DeterministicEcdsa.Scalar(SeedPrefix + "region-ca");
        ECDsa key = DeterministicEcdsa.CreateKey(d);
        return RegionCertificateAuthority.Development("Grey INSECURE Development Region CA", key, new DeterministicEcdsa.Generator(key, d), NotBefore, NotAfter);
    }

    /// <summary>
    /// Starts a software TPM whose EK certificate is issued by the development manufacturer. The state lives in
    /// <c>options.StateDirectory</c> (required): the first start creates the EK, AK and EK certificate there
    /// (softtpm.json); every later start loads them and counts a reset, so a restarted node is the same node
    /// with its reset count up. The host should call <see cref="SoftwareTpm.Shutdown"/> on an orderly stop.
    /// </summary>
    public static SoftwareTpm StartSoftwareTpm(SoftwareTpmOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (options.StateDirectory is null)
        {
            throw new ArgumentException("a development software TPM needs a state directory", nameof(options));
        }

        options.Validate();
        if (SoftwareTpmState.Load(options.StateDirectory) is null)
        {
            Provision(options, time);
        }

        return SoftwareTpm.Start(options, manufacturer: null, time);
    }

    /// <summary>Writes a new software TPM state (EK, AK, EK certificate from the development manufacturer).</summary>
    private static void Provision(SoftwareTpmOptions options, TimeProvider time)
    {
        using AsymmetricAlgorithm ek = options.EkType == Tpm.TpmAlgId.Rsa ? RSA.Create(2048) : ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using AsymmetricAlgorithm ak = options.AkType == Tpm.TpmAlgId.Rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        DateTimeOffset now = time.GetUtcNow();
        using X509Certificate2 cert = DevManufacturer.Value.IssueEkCertificate(ek, now.AddMinutes(-1), now + options.EkCertificateValidity);
        var state = new SoftwareTpmState
        {
            EkType = options.EkType.ToString(), EkPkcs8 = Convert.ToBase64String(ek.ExportPkcs8PrivateKey()),
            EkCertificate = Convert.ToBase64String(cert.RawData),
            EkIntermediates = [Convert.ToBase64String(DevManufacturer.Value.Issuer.RawData)],
            AkType = options.AkType.ToString(), AkPkcs8 = Convert.ToBase64String(ak.ExportPkcs8PrivateKey()),

            // Provisioning is a clean "factory" shutdown: the first boot is safe, as a new TPM's is.
            Orderly = true,
        };
        state.Save(options.StateDirectory!);
    }

    private static Manufacturer CreateManufacturer()
    {
        BigInteger rootD = DeterministicEcdsa.Scalar(SeedPrefix + "manufacturer-root");
        BigInteger issuerD = DeterministicEcdsa.Scalar(SeedPrefix + "manufacturer-issuer");
        using ECDsa rootKey = DeterministicEcdsa.CreateKey(rootD);
        ECDsa issuerKey = DeterministicEcdsa.CreateKey(issuerD);
        var rootGenerator = new DeterministicEcdsa.Generator(rootKey, rootD);

        var rootReq = new CertificateRequest("CN=Grey INSECURE Development TPM Root CA", rootKey, HashAlgorithmName.SHA256);
        rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        rootReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootReq.PublicKey, false));
        X509Certificate2 root = rootReq.Create(rootReq.SubjectName, rootGenerator, NotBefore, NotAfter, [1]);

        var issuerReq = new CertificateRequest("CN=Grey INSECURE Development TPM EK Issuing CA", issuerKey, HashAlgorithmName.SHA256);
        issuerReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        issuerReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        issuerReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(issuerReq.PublicKey, false));
        issuerReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        X509Certificate2 issuer = issuerReq.Create(root.SubjectName, rootGenerator, NotBefore, NotAfter, [2]);
        return new Manufacturer(root, issuer, new DeterministicEcdsa.Generator(issuerKey, issuerD));
    }

    /// <summary>The development manufacturer: its root, its EK issuing CA and that CA's signature generator.</summary>
    private sealed class Manufacturer(X509Certificate2 root, X509Certificate2 issuer, X509SignatureGenerator issuerGenerator)
    {
        public X509Certificate2 Root { get; } = root;

        public X509Certificate2 Issuer { get; } = issuer;

        /// <summary>An EK certificate as <see cref="SoftwareManufacturer.IssueEkCertificate"/> makes it, from the development issuer.</summary>
        public X509Certificate2 IssueEkCertificate(AsymmetricAlgorithm ekPublic, DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            CertificateRequest req = ekPublic switch
            {
                RSA rsa => new CertificateRequest("CN=Grey Development Software TPM EK", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                ECDiffieHellman dh => new CertificateRequest(new X500DistinguishedName("CN=Grey Development Software TPM EK"), new PublicKey(dh), HashAlgorithmName.SHA256),
                _ => throw new ArgumentException("RSA or ECDH keys only", nameof(ekPublic)),
            };
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(ekPublic is RSA ? X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.KeyAgreement, true));
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("2.23.133.8.1")], false));
            req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Issuer, true, false));

            // Serials only need to be unique per issuer; the key's hash makes them so across processes.
            byte[] serial = SHA256.HashData(req.PublicKey.ExportSubjectPublicKeyInfo())[..16];
            serial[0] &= 0x7F;
            serial[0] |= 0x01;
            if (notAfter > NotAfter)
            {
                notAfter = NotAfter;
            }

            return req.Create(Issuer.SubjectName, issuerGenerator, notBefore, notAfter, serial);
        }
    }
}
