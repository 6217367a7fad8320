using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>
/// What the uplink presents to the broker: a user name with the password read from a file, and/or a client
/// certificate, and the CA that must sign the broker's certificate. <see cref="ToString"/> names the kind and the
/// user only, so a log line can never carry a secret.
/// </summary>
internal sealed class MqttCredentials : IDisposable
{
    /// <summary>Longest password file read (a password is far smaller; a huge file is a mistake).</summary>
    public const int MaxPasswordFileBytes = 4096;

    private MqttCredentials(string? userName, byte[]? password, X509Certificate2? clientCertificate, X509Certificate2Collection? trustedCa)
    {
        UserName = userName;
        Password = password;
        ClientCertificate = clientCertificate;
        TrustedCa = trustedCa;
    }

    /// <summary>The user name, or null.</summary>
    public string? UserName { get; }

    /// <summary>The password bytes (UTF-8), or null.</summary>
    public byte[]? Password { get; }

    /// <summary>The client certificate with its private key, or null.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>The CA certificates the broker's certificate must chain to, or null for the system store.</summary>
    public X509Certificate2Collection? TrustedCa { get; }

    /// <summary>Loads what <paramref name="options"/> names; returns null and a reason (no secret in it) on failure.</summary>
    public static MqttCredentials? Load(MqttUplinkOptions options, out string? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        error = null;
        byte[]? password = null;
        X509Certificate2? certificate = null;
        X509Certificate2Collection? ca = null;
        try
        {
            if (options.PasswordFile is { } passwordFile)
            {
                if (new FileInfo(passwordFile).Length > MaxPasswordFileBytes)
                {
                    error = $"password file '{passwordFile}' is larger than {MaxPasswordFileBytes} bytes";
                    return null;
                }

                var line = File.ReadLines(passwordFile).FirstOrDefault()?.TrimEnd('\r') ?? string.Empty;
                if (line.Length == 0)
                {
                    error = $"password file '{passwordFile}' is empty";
                    return null;
                }

                password = System.Text.Encoding.UTF8.GetBytes(line);
            }

            if (options.ClientCertificateFile is { } certFile)
            {
                certificate = LoadCertificate(certFile);
                if (!certificate.HasPrivateKey)
                {
                    certificate.Dispose();
                    error = $"client certificate file '{certFile}' holds no private key";
                    return null;
                }
            }

            if (options.CaFile is { } caFile)
            {
                ca = [];
                ca.ImportFromPemFile(caFile);
                if (ca.Count == 0)
                {
                    certificate?.Dispose();
                    error = $"CA file '{caFile}' holds no certificate";
                    return null;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            certificate?.Dispose();

            // The message of a crypto or I/O failure names the file, never its content.
            error = "cannot read the MQTT credentials: " + e.Message;
            return null;
        }

        return new MqttCredentials(options.UserName, password, certificate, ca);
    }

    /// <summary>
    /// Checks the broker's certificate: with a CA file, the chain must end in one of its certificates (custom
    /// root trust, the system store is not consulted) and the name must match; without one, the platform's verdict.
    /// </summary>
    public bool ValidateServerCertificate(X509Certificate? certificate, System.Net.Security.SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return false;
        }

        if (TrustedCa is null)
        {
            return errors == System.Net.Security.SslPolicyErrors.None;
        }

        if ((errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0 ||
            (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(TrustedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        if (UserName is not null)
        {
            parts.Add($"user '{UserName}'" + (Password is null ? string.Empty : " with a password"));
        }

        if (ClientCertificate is not null)
        {
            parts.Add($"client certificate '{ClientCertificate.Subject}'");
        }

        return parts.Count == 0 ? "no credentials" : string.Join(" and ", parts);
    }

    /// <inheritdoc />
    public void Dispose() => ClientCertificate?.Dispose();

    private static X509Certificate2 LoadCertificate(string file)
    {
        var extension = Path.GetExtension(file);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(file, password: null);
        }

        // A PEM file with both the certificate and its key; re-exported so SslStream gets a key it can always use.
        using var pem = X509Certificate2.CreateFromPemFile(file);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }
}
