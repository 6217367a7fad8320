using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Region.Daemon.Tests.Support;

/// <summary>Certificates for the API's HTTPS tests: a CA, certificates it issues, all ECDSA P-256, written as PEM on request.</summary>
internal static class TestCertificates
{
    /// <summary>A self-signed CA certificate with its key, valid from a day ago for a year.</summary>
    public static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    /// <summary>A leaf issued by <paramref name="ca"/> with its key: a server certificate for 127.0.0.1, or a client certificate.</summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, string name, bool server, DateTimeOffset? notAfter = null, string? usageOid = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        string oid = usageOid ?? (server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2");
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(oid)], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        byte[] serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        DateTimeOffset end = notAfter ?? DateTimeOffset.UtcNow.AddMonths(6);
        using X509Certificate2 issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), end, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes the certificate (and, when asked, its private key) as PEM files; returns their paths.</summary>
    public static (string Cert, string Key) WritePem(X509Certificate2 certificate, string folder, string name)
    {
        string cert = Path.Combine(folder, name + ".pem");
        string key = Path.Combine(folder, name + "-key.pem");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        using ECDsa? ecdsa = certificate.GetECDsaPrivateKey();
        if (ecdsa is not null)
        {
            File.WriteAllText(key, ecdsa.ExportPkcs8PrivateKeyPem());
        }

        return (cert, key);
    }
}
