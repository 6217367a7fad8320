using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Edge.Uplink.Mqtt.Tests.Support;

/// <summary>A throw-away CA with a server certificate (127.0.0.1, localhost) and client certificates, as PEM files.</summary>
internal sealed class TestCertificates
{
    private readonly X509Certificate2 ca;
    private readonly ECDsa caKey;

    public TestCertificates(string directory, string name)
    {
        Directory = directory;
        caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Grey test CA {name}", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaFile = Path.Combine(directory, $"{name}-ca.pem");
        File.WriteAllText(CaFile, ca.ExportCertificatePem());
    }

    public string Directory { get; }

    public string CaFile { get; }

    /// <summary>Issues a certificate; returns the certificate file, the key file, and a file with both.</summary>
    public (string Certificate, string Key, string Both) Issue(string commonName, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = new byte[12];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        var certificatePem = issued.ExportCertificatePem();
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        var certificate = Path.Combine(Directory, commonName + ".pem");
        var keyFile = Path.Combine(Directory, commonName + ".key");
        var both = Path.Combine(Directory, commonName + "-with-key.pem");
        File.WriteAllText(certificate, certificatePem);
        File.WriteAllText(keyFile, keyPem);
        File.WriteAllText(both, certificatePem + "\n" + keyPem);
        return (certificate, keyFile, both);
    }
}
