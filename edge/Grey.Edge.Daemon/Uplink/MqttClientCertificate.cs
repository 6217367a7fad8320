using System.Security.Cryptography.X509Certificates;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>
/// The MQTT uplink reads one client certificate file holding certificate and key (PEM) or a PKCS#12 file. With a
/// separate <c>--mqtt-key</c>, the two are loaded here (so a mismatched pair fails at start with a clear error)
/// and written together as PEM to <c>--data</c>/mqtt/client.pem, readable by the owner only, rewritten at every
/// start so that a renewed certificate takes effect.
/// </summary>
internal static class MqttClientCertificate
{
    /// <summary>The combined file's name under <c>--data</c>/mqtt.</summary>
    public const string CombinedFileName = "client.pem";

    /// <summary>Returns the file to give the uplink: <paramref name="certFile"/> itself, or the combined PEM when a key file is given.</summary>
    public static string? Prepare(string? certFile, string? keyFile, string dataDirectory)
    {
        if (certFile is null || keyFile is null)
        {
            return certFile;
        }

        using var certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        var directory = Directory.CreateDirectory(Path.Combine(dataDirectory, "mqtt"));
        var path = Path.Combine(directory.FullName, CombinedFileName);
        var temp = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // The file holds the private key: owner only from its creation on.
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        File.Delete(temp);
        using (var stream = new FileStream(temp, fileOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(certificate.ExportCertificatePem());
            writer.Write('\n');
            writer.Write(ExportKeyPem(certificate));
            writer.Write('\n');
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }

    private static string ExportKeyPem(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPrivateKey();
        if (rsa is not null)
        {
            return rsa.ExportPkcs8PrivateKeyPem();
        }

        using var ecdsa = certificate.GetECDsaPrivateKey();
        return ecdsa is not null
            ? ecdsa.ExportPkcs8PrivateKeyPem()
            : throw new ArgumentException("--mqtt-key: only RSA and ECDSA keys are supported");
    }
}
