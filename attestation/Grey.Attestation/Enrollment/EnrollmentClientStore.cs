using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grey.Attestation.Enrollment;

/// <summary>The client's record in <c>enrollment/enrollment.json</c>.</summary>
internal sealed class StoredClient
{
    public int Version { get; set; } = 1;

    public string NodeId { get; set; } = string.Empty;

    public string Site { get; set; } = string.Empty;

    /// <summary>The region the node enrolled with (null before the first enrollment).</summary>
    public string? Region { get; set; }

    /// <summary>The highest revocation notice sequence accepted, so a replayed notice is refused after a restart too.</summary>
    public ulong RevocationSequence { get; set; }
}

[JsonSerializable(typeof(StoredClient))]
internal sealed partial class EnrollmentClientStoreContext : JsonSerializerContext;

/// <summary>
/// The edge side's files under <c>&lt;data&gt;/enrollment/</c>, each replaced atomically: the delta-signing key
/// (<c>delta-signing-key.pem</c>, PKCS#8, mode 0600, created once), its certificate (<c>delta-signing.pem</c>),
/// the pinned region CA (<c>region-ca.pem</c>), the region signing certificate (<c>region-signing.pem</c>) and
/// <c>enrollment.json</c>.
/// </summary>
internal sealed class EnrollmentClientStore(string dataDirectory)
{
    public const string KeyFile = "delta-signing-key.pem";
    public const string CertificateFile = "delta-signing.pem";
    public const string CaFile = "region-ca.pem";
    public const string RegionSigningFile = "region-signing.pem";
    public const string StateFile = "enrollment.json";

    public string Directory { get; } = Path.Combine(dataDirectory, "enrollment");

    /// <summary>Loads the delta-signing key, creating and storing a new P-256 key the first time.</summary>
    public ECDsa LoadOrCreateKey()
    {
        string path = Path.Combine(Directory, KeyFile);
        byte[]? pem = AtomicFile.ReadAll(path);
        var key = ECDsa.Create();
        if (pem is not null)
        {
            try
            {
                key.ImportFromPem(Encoding.UTF8.GetString(pem));
                return key;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                key.Dispose();
                throw new InvalidDataException($"{path} is not a readable ECDSA private key: {e.Message}", e);
            }
        }

        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(key.ExportPkcs8PrivateKeyPem()), secret: true);
        return key;
    }

    public StoredClient? LoadState()
    {
        string path = Path.Combine(Directory, StateFile);
        byte[]? bytes = AtomicFile.ReadAll(path);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, EnrollmentClientStoreContext.Default.StoredClient) ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is corrupt: {e.Message}", e);
        }
    }

    public void SaveState(StoredClient state) =>
        AtomicFile.Write(Path.Combine(Directory, StateFile), JsonSerializer.SerializeToUtf8Bytes(state, EnrollmentClientStoreContext.Default.StoredClient));

    /// <summary>A stored certificate, or null when the file is missing or unreadable (the client then enrolls again).</summary>
    public X509Certificate2? LoadCertificate(string name)
    {
        byte[]? bytes = AtomicFile.ReadAll(Path.Combine(Directory, name));
        return bytes is null ? null : TryParseCertificate(bytes);
    }

    public void SaveCertificate(string name, X509Certificate2 certificate) =>
        AtomicFile.Write(Path.Combine(Directory, name), Encoding.UTF8.GetBytes(certificate.ExportCertificatePem()));

    /// <summary>A certificate from PEM or DER bytes, or null.</summary>
    public static X509Certificate2? TryParseCertificate(byte[] bytes)
    {
        try
        {
            string text = Encoding.UTF8.GetString(bytes);
            return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificate(bytes);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
