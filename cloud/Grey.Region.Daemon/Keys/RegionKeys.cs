using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Region.Daemon.Keys;

/// <summary>
/// The region's signing identity (acknowledgements, region deltas, revocation notices): an ECDSA P-256 key and
/// its certificate, generated on the first start under the data directory and kept (<c>region-key.pem</c>,
/// <c>region-cert.pem</c>); a restarted region signs with the same key, so sites that pinned it keep trusting it.
/// <c>region-cert.pem</c> is what peer regions put in their <c>--peer-certs</c> folder as <c>&lt;region&gt;.pem</c>.
/// </summary>
internal static class RegionKeys
{
    /// <summary>The private key file (PKCS#8 PEM, mode 0600).</summary>
    public const string KeyFile = "region-key.pem";

    /// <summary>The certificate file (PEM).</summary>
    public const string CertificateFile = "region-cert.pem";

    /// <summary>Validity of a generated certificate.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(3650);

    /// <summary>Loads the region's certificate with its private key, creating both on the first start.</summary>
    public static X509Certificate2 LoadOrCreate(string dataDirectory, string region, TimeProvider time)
    {
        string keyPath = Path.Combine(dataDirectory, KeyFile);
        string certPath = Path.Combine(dataDirectory, CertificateFile);
        if (File.Exists(keyPath) && File.Exists(certPath))
        {
            using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);

            // Round-trip through PKCS#12 so the key is usable on every platform for CMS signing.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={region}.region, O=Grey", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        DateTimeOffset now = time.GetUtcNow();
        using X509Certificate2 cert = request.CreateSelfSigned(now.AddMinutes(-5), now + Validity);
        WriteDurably(keyPath, key.ExportPkcs8PrivateKeyPem(), secret: true);
        WriteDurably(certPath, cert.ExportCertificatePem(), secret: false);
        Grey.Region.Storage.DirectorySync.Sync(dataDirectory);
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// Writes the certificate the region signs with (public part) to <c>region-cert.pem</c> when it differs from what
    /// is there: under <c>--dev</c> the enrollment service issues it, and peers still copy it from this file.
    /// </summary>
    public static void PublishCertificate(string dataDirectory, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string path = Path.Combine(dataDirectory, CertificateFile);
        string pem = certificate.ExportCertificatePem();
        if (!File.Exists(path) || File.ReadAllText(path) != pem)
        {
            WriteDurably(path, pem, secret: false);
            Grey.Region.Storage.DirectorySync.Sync(dataDirectory);
        }
    }

    /// <summary>Loads a peer region's certificate (public only) from <c>&lt;folder&gt;/&lt;region&gt;.pem</c>.</summary>
    public static X509Certificate2 LoadPeer(string folder, string region) =>
        X509CertificateLoader.LoadCertificate(X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(folder, region + ".pem"))).RawData);

    private static void WriteDurably(string path, string text, bool secret)
    {
        string tmp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(tmp, options))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
