using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Revocation;
using Grey.Attestation.Verification;
using Grey.Federation.Identifiers;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Region.Registry;

/// <summary>
/// The region's view of enrolled nodes: each node's site and delta-signing certificate, its latest passing
/// attestation result (checked with the verifier's key, and required to name that certificate's key id),
/// and revocation. Expiry is judged on every lookup with the injected clock, so an expired result stops
/// merging at once; a revocation applies at once to every later lookup. Bounded by <see cref="MaxNodes"/>.
/// Not thread-safe: the region serialises calls.
/// </summary>
public sealed class NodeRegistry
{
    private readonly Dictionary<string, Entry> _byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _byKeyId = new(StringComparer.Ordinal);
    private readonly ECDsa _verifierKey;
    private readonly TimeProvider _time;
    private readonly RevocationNoticeValidator? _revocations;

    /// <summary>
    /// Creates a registry trusting attestation results signed with <paramref name="verifierPublicKey"/> and
    /// revocation notices accepted by <paramref name="revocations"/> (null: only <see cref="Revoke"/>).
    /// </summary>
    public NodeRegistry(ECDsa verifierPublicKey, TimeProvider time, RevocationNoticeValidator? revocations = null, int maxNodes = 100_000)
    {
        _verifierKey = verifierPublicKey ?? throw new ArgumentNullException(nameof(verifierPublicKey));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _revocations = revocations;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNodes, 1);
        MaxNodes = maxNodes;
    }

    /// <summary>Most nodes enrolled at once (default 100,000, the registrar's own bound).</summary>
    public int MaxNodes { get; }

    /// <summary>Enrolled nodes.</summary>
    public int Count => _byNode.Count;

    /// <summary>
    /// Records an enrolled node of <paramref name="site"/> with its delta-signing certificate (a public
    /// certificate is enough). A new certificate for a known node replaces the old one and needs a new
    /// attestation result. Returns null, or why it was refused.
    /// </summary>
    public string? Enroll(string nodeId, string site, X509Certificate2 deltaSigningCertificate)
    {
        ArgumentNullException.ThrowIfNull(deltaSigningCertificate);
        if (!FederationId.IsValid(nodeId) || !FederationId.IsValid(site))
        {
            return $"node id '{nodeId}' or site '{site}' is not a valid identifier";
        }

        string keyId = KeyBinding.KeyIdentifier(deltaSigningCertificate);
        if (_byKeyId.TryGetValue(keyId, out Entry? holder) && holder.NodeId != nodeId)
        {
            return $"key id {keyId} already belongs to node {holder.NodeId}";
        }

        if (_byNode.TryGetValue(nodeId, out Entry? existing))
        {
            if (existing.Site != site)
            {
                return $"node {nodeId} is enrolled for site {existing.Site}, not {site}";
            }

            _byKeyId.Remove(existing.KeyId);
        }
        else if (_byNode.Count >= MaxNodes)
        {
            return $"registry full ({MaxNodes} nodes)";
        }

        // The same key again keeps its attestation result; a new key needs a new one.
        var entry = new Entry(nodeId, site, keyId, X509CertificateLoader.LoadCertificate(deltaSigningCertificate.RawData))
        {
            Revoked = existing?.Revoked ?? false,
            Final = existing?.Final ?? false,
            Result = existing?.KeyId == keyId ? existing.Result : null,
        };
        _byNode[nodeId] = entry;
        _byKeyId[keyId] = entry;
        return null;
    }

    /// <summary>Applies a signed attestation result for an enrolled node; kept only when it is accepted for the node's current key.</summary>
    public ResultCheck ApplyAttestationResult(string nodeId, AttestationEnvelope signedResult)
    {
        ArgumentNullException.ThrowIfNull(signedResult);
        if (!_byNode.TryGetValue(nodeId, out Entry? entry))
        {
            return ResultCheck.WrongNode;
        }

        ResultCheck check = AttestationResultSigner.Check(signedResult, _verifierKey, _time, nodeId, entry.KeyId, out AttestationResult? result);
        if (check == ResultCheck.Accepted)
        {
            entry.Result = result;
        }

        return check;
    }

    /// <summary>Applies a signed revocation notice (its validator checks signature, issuer, expiry and sequence).</summary>
    public NoticeCheck ApplyRevocationNotice(AttestationEnvelope notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (_revocations is null)
        {
            throw new InvalidOperationException("this registry was created without a revocation notice validator");
        }

        NoticeCheck check = _revocations.Accept(notice, out RevocationNotice? n);
        if (check == NoticeCheck.Accepted && _byNode.TryGetValue(n!.NodeId, out Entry? entry))
        {
            // Revoked and banned are final, as in the registrar; disabled can be undone by a later notice.
            if (n.State is NodeState.Revoked or NodeState.Banned)
            {
                entry.Revoked = true;
                entry.Final = true;
            }
            else if (!entry.Final)
            {
                entry.Revoked = n.State != NodeState.Enabled;
            }
        }

        return check;
    }

    /// <summary>Revokes a node at once (the admin API); final. Returns false for an unknown node.</summary>
    public bool Revoke(string nodeId)
    {
        if (!_byNode.TryGetValue(nodeId, out Entry? entry))
        {
            return false;
        }

        entry.Revoked = true;
        entry.Final = true;
        return true;
    }

    /// <summary>The node holding the delta-signing key <paramref name="keyId"/> (raw subject key identifier), or null.</summary>
    public NodeView? FindByKeyId(ReadOnlySpan<byte> keyId) =>
        _byKeyId.TryGetValue(Convert.ToHexStringLower(keyId), out Entry? e) ? View(e) : null;

    /// <summary>The node <paramref name="nodeId"/>, or null.</summary>
    public NodeView? Find(string nodeId) => _byNode.TryGetValue(nodeId, out Entry? e) ? View(e) : null;

    /// <summary>Every enrolled node, ordered by id.</summary>
    public IReadOnlyList<NodeView> Nodes() => [.. _byNode.Values.OrderBy(e => e.NodeId, StringComparer.Ordinal).Select(View)];

    private NodeView View(Entry e)
    {
        NodeAttestation state = e.Result is null ? NodeAttestation.None
            : _time.GetUtcNow() >= e.Result.ExpiresAt ? NodeAttestation.Expired
            : NodeAttestation.Passing;
        return new NodeView(e.NodeId, e.Site, e.KeyId, e.Certificate, state, e.Result?.ExpiresAt, e.Revoked);
    }

    private sealed class Entry(string nodeId, string site, string keyId, X509Certificate2 certificate)
    {
        public string NodeId { get; } = nodeId;

        public string Site { get; } = site;

        public string KeyId { get; } = keyId;

        public X509Certificate2 Certificate { get; } = certificate;

        public AttestationResult? Result { get; set; }

        public bool Revoked { get; set; }

        public bool Final { get; set; }
    }
}
