using System.Security.Cryptography.X509Certificates;

namespace Grey.Region.Registry;

/// <summary>An enrolled node as the region sees it now (for <c>GET /v1/nodes</c> and site status); revocation is apart from the attestation state.</summary>
public sealed record NodeView(
    string NodeId,
    string Site,
    string KeyId,
    X509Certificate2 Certificate,
    NodeAttestation Attestation,
    DateTimeOffset? AttestationExpiresAt,
    bool Revoked);
