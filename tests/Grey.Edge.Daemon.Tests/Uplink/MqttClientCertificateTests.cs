using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Edge.Daemon.Uplink;

namespace Grey.Edge.Daemon.Tests.Uplink;

public sealed class MqttClientCertificateTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("grey-edge-mqttcert-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Prepare_NoKeyFile_CertificateFileItself()
    {
        Assert.Equal("/some/cert.pem", MqttClientCertificate.Prepare("/some/cert.pem", null, dir));
        Assert.Null(MqttClientCertificate.Prepare(null, null, dir));
        Assert.False(Directory.Exists(Path.Combine(dir, "mqtt")));
    }

    [Fact]
    public void Prepare_SeparateKey_CombinedPemOwnerOnly()
    {
        var (cert, key) = WritePair("a");

        var path = MqttClientCertificate.Prepare(cert, key, dir)!;

        using var combined = X509Certificate2.CreateFromPemFile(path);
        Assert.True(combined.HasPrivateKey);
        Assert.Equal("CN=a", combined.Subject);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void Prepare_KeyOfAnotherCertificate_Throws()
    {
        var (cert, _) = WritePair("a");
        var (_, otherKey) = WritePair("b");

        Assert.ThrowsAny<ArgumentException>(() => MqttClientCertificate.Prepare(cert, otherKey, dir));
    }

    private (string Cert, string Key) WritePair(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var certFile = Path.Combine(dir, name + ".crt");
        var keyFile = Path.Combine(dir, name + ".key");
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }
}
