using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grey.Federation.Identifiers;

namespace Grey.Attestation.Enrollment;

/// <summary>One enrolled node as stored in <c>nodes/&lt;node&gt;.json</c> (binary fields base64).</summary>
internal sealed class StoredNode
{
    public int Version { get; set; } = 1;

    public string NodeId { get; set; } = string.Empty;

    public string Site { get; set; } = string.Empty;

    /// <summary>The registrar state name (Enabled, Disabled, Revoked, Banned).</summary>
    public string State { get; set; } = string.Empty;

    public long EnrolledAtMs { get; set; }

    public string EkPublic { get; set; } = string.Empty;

    public string EkCertificate { get; set; } = string.Empty;

    public List<string> EkIntermediates { get; set; } = [];

    public string AkPublic { get; set; } = string.Empty;

    public string DeltaSigningCertificate { get; set; } = string.Empty;

    /// <summary>The latest signed attestation result (the <c>Results.SignedEnvelope</c> wire), or null.</summary>
    public string? LatestResult { get; set; }
}

/// <summary>The service's own record in <c>enrollment-service.json</c>.</summary>
internal sealed class StoredService
{
    public int Version { get; set; } = 1;

    public string Region { get; set; } = string.Empty;

    /// <summary>The last revocation notice sequence issued: the next one is above it, also after a restart.</summary>
    public ulong RevocationSequence { get; set; }
}

[JsonSerializable(typeof(StoredNode))]
[JsonSerializable(typeof(StoredService))]
internal sealed partial class EnrollmentStoreContext : JsonSerializerContext;

/// <summary>
/// The region side's files, all replaced atomically (<see cref="AtomicFile"/>): <c>enrollment-service.json</c>
/// (region id, revocation sequence), <c>region-signing-key.pem</c> (PKCS#8, mode 0600) and
/// <c>region-signing.pem</c>, and one <c>nodes/&lt;node&gt;.json</c> per enrolled node, so an attestation
/// rewrites one small file, not the whole table.
/// </summary>
internal sealed class EnrollmentServiceStore(string directory)
{
    private const string ServiceFile = "enrollment-service.json";
    private const string SigningKeyFile = "region-signing-key.pem";
    private const string SigningCertificateFile = "region-signing.pem";
    private const string NodesDirectory = "nodes";

    public string Directory { get; } = directory;

    public StoredService? LoadService() => Deserialize(AtomicFile.ReadAll(Path.Combine(Directory, ServiceFile)), EnrollmentStoreContext.Default.StoredService, ServiceFile);

    public void SaveService(StoredService service) =>
        AtomicFile.Write(Path.Combine(Directory, ServiceFile), JsonSerializer.SerializeToUtf8Bytes(service, EnrollmentStoreContext.Default.StoredService));

    /// <summary>The region signing certificate with its private key, or null when either file is missing.</summary>
    public X509Certificate2? LoadSigningCertificate()
    {
        byte[]? key = AtomicFile.ReadAll(Path.Combine(Directory, SigningKeyFile));
        byte[]? cert = AtomicFile.ReadAll(Path.Combine(Directory, SigningCertificateFile));
        if (key is null || cert is null)
        {
            return null;
        }

        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(System.Text.Encoding.UTF8.GetString(key));
            using X509Certificate2 publicCert = X509Certificate2.CreateFromPem(System.Text.Encoding.UTF8.GetString(cert));
            return publicCert.CopyWithPrivateKey(ecdsa);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidDataException($"{Directory}: the region signing key or certificate is unreadable: {e.Message}", e);
        }
    }

    public void SaveSigningCertificate(X509Certificate2 certificate, ECDsa key)
    {
        // Key first: a certificate on disk without its key would be unusable, a key without a certificate is re-certified.
        AtomicFile.Write(Path.Combine(Directory, SigningKeyFile), System.Text.Encoding.UTF8.GetBytes(key.ExportPkcs8PrivateKeyPem()), secret: true);
        AtomicFile.Write(Path.Combine(Directory, SigningCertificateFile), System.Text.Encoding.UTF8.GetBytes(certificate.ExportCertificatePem()));
    }

    public IEnumerable<StoredNode> LoadNodes(int max)
    {
        string dir = Path.Combine(Directory, NodesDirectory);
        if (!System.IO.Directory.Exists(dir))
        {
            yield break;
        }

        int count = 0;
        foreach (string path in System.IO.Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
        {
            if (++count > max)
            {
                throw new InvalidDataException($"{dir} holds more than {max} nodes");
            }

            StoredNode node = Deserialize(AtomicFile.ReadAll(path), EnrollmentStoreContext.Default.StoredNode, path)
                ?? throw new InvalidDataException($"{path} vanished while loading");
            if (!FederationId.IsValid(node.NodeId) || Path.GetFileNameWithoutExtension(path) != node.NodeId)
            {
                throw new InvalidDataException($"{path} names node '{node.NodeId}'");
            }

            yield return node;
        }
    }

    public void SaveNode(StoredNode node)
    {
        if (!FederationId.IsValid(node.NodeId))
        {
            throw new ArgumentException($"'{node.NodeId}' is not a node id");
        }

        AtomicFile.Write(Path.Combine(Directory, NodesDirectory, node.NodeId + ".json"), JsonSerializer.SerializeToUtf8Bytes(node, EnrollmentStoreContext.Default.StoredNode));
    }

    private static T? Deserialize<T>(byte[]? bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, string what)
        where T : class
    {
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, info) ?? throw new InvalidDataException($"{what} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{what} is corrupt: {e.Message}", e);
        }
    }
}
