using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Region.Daemon.Config;

namespace Grey.Region.Daemon.Api;

/// <summary>
/// The API's HTTPS material: the server certificate with its key, and the CA certificates whose client
/// certificates count as the admin. Loaded once at start; a file that does not parse fails the start.
/// </summary>
internal sealed class ApiTls : IDisposable
{
    /// <summary>Most CA certificates read from <c>--api-client-ca</c>: a bound against pointing it at a huge bundle.</summary>
    public const int MaxClientCas = 16;

    /// <summary>The TLS client authentication extended key usage (RFC 5280 id-kp-clientAuth).</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly X509Certificate2Collection _clientCas;

    private ApiTls(X509Certificate2 serverCertificate, X509Certificate2Collection clientCas)
    {
        ServerCertificate = serverCertificate;
        _clientCas = clientCas;
    }

    /// <summary>The certificate the API presents, with its private key.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>Whether client certificates are asked for and can authenticate.</summary>
    public bool ClientCertificates => _clientCas.Count > 0;

    /// <summary>Loads the files of <paramref name="options"/>, or returns null when HTTPS is off.</summary>
    /// <exception cref="CryptographicException">A file is not a PEM certificate or key, or the key does not match.</exception>
    public static ApiTls? Load(RegionDaemonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ApiCertFile is null)
        {
            return null;
        }

        X509Certificate2 server;
        try
        {
            server = X509Certificate2.CreateFromPemFile(options.ApiCertFile, options.ApiKeyFile);
        }
        catch (ArgumentException e)
        {
            // The platform reports a key that belongs to another certificate as an argument error; it is a bad file here.
            throw new CryptographicException($"--api-key {options.ApiKeyFile} is not the key of --api-cert {options.ApiCertFile}: {e.Message}", e);
        }

        var cas = new X509Certificate2Collection();
        if (options.ApiClientCaFile is not null)
        {
            try
            {
                cas.ImportFromPemFile(options.ApiClientCaFile);
                if (cas.Count is 0 or > MaxClientCas)
                {
                    throw new CryptographicException($"--api-client-ca {options.ApiClientCaFile} holds {cas.Count} certificates, 1..{MaxClientCas} are accepted");
                }
            }
            catch
            {
                server.Dispose();
                foreach (X509Certificate2 c in cas)
                {
                    c.Dispose();
                }

                throw;
            }
        }

        return new ApiTls(server, cas);
    }

    /// <summary>
    /// Whether <paramref name="client"/> chains to one of the configured CAs (custom root trust only: the system
    /// store is never consulted), is valid at <paramref name="now"/> and, when it names key usages, allows client
    /// authentication. Revocation is not checked: no CRL or OCSP responder is configured for this CA.
    /// </summary>
    public bool IsAdmin(X509Certificate2? client, DateTimeOffset now)
    {
        if (client is null || _clientCas.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_clientCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthOid));
        chain.ChainPolicy.DisableCertificateDownloads = true;
        try
        {
            return chain.Build(client);
        }
        catch (CryptographicException)
        {
            // A certificate the platform cannot even parse into a chain is simply not the admin.
            return false;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        ServerCertificate.Dispose();
        foreach (X509Certificate2 c in _clientCas)
        {
            c.Dispose();
        }
    }
}
