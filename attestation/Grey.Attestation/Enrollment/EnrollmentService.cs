using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Randomness;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Revocation;
using Grey.Attestation.Verification;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// The region side of enrollment and attestation (docs/ATTESTATION.md, "Enrollment over the network"): a
/// <see cref="Registrar"/> (credential activation), an <see cref="AttestationVerifier"/> whose results are
/// signed with the region signing key, the region enrollment CA (issues delta-signing certificates), and the
/// admission policy (enrollment token or EK allow-list; in development mode, software TPMs of the built-in
/// development manufacturer). Transport-agnostic: the region daemon hands it the bytes of each request on
/// <c>grey.enroll.&lt;site&gt;</c> / <c>grey.attest.&lt;site&gt;</c> and sends back <see cref="EnrollmentHandled.Reply"/>.
/// Handlers never throw for bad input: they answer with a refusal and its reason code. Thread-safe (one lock:
/// the registrar and the verifier are single-threaded cores). Identities persist in the state directory, so a
/// restarted region keeps every enrolled identity immutable.
/// </summary>
public sealed partial class EnrollmentService : IDisposable
{
    private readonly Lock _lock = new();
    private readonly EnrollmentServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly IRandomSource _random;
    private readonly EnrollmentServiceStore _store;
    private readonly RegionCertificateAuthority _authority;
    private readonly bool _ownsAuthority;
    private readonly ReplayableRegistrarInputs _registrarInputs;
    private readonly Registrar _registrar;
    private readonly AttestationVerifier _verifier;
    private readonly ECDsa _signingKey;
    private readonly RevocationNoticeIssuer _notices;
    private readonly EkCertificateValidator? _developmentEks;
    private readonly byte[][] _tokenHashes;
    private readonly Dictionary<string, NodeEntry> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly List<string> _loadWarnings = [];
    private StoredService _service;

    private EnrollmentService(EnrollmentServiceOptions options, TimeProvider time, IRandomSource random)
    {
        _options = options;
        _time = time;
        _random = random;
        _store = new EnrollmentServiceStore(options.StateDirectory);
        (_authority, _ownsAuthority) = options.Authority is { } a ? (a, false) : (DevelopmentAuthorities.CreateRegionAuthority(), true);

        _service = _store.LoadService() ?? new StoredService { Region = options.Region };
        if (_service.Region != options.Region)
        {
            throw new InvalidDataException($"{options.StateDirectory} holds the enrollment state of region '{_service.Region}', not '{options.Region}'");
        }

        SigningCertificate = LoadOrIssueSigningCertificate();
        _signingKey = SigningCertificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the region signing certificate lost its key");

        var roots = new List<X509Certificate2>(options.ManufacturerRoots);
        var intermediates = new List<X509Certificate2>(options.KnownIntermediates);
        if (options.Development)
        {
            roots.Add(DevelopmentAuthorities.ManufacturerRoot);
            intermediates.Add(DevelopmentAuthorities.ManufacturerIntermediate);
            _developmentEks = new EkCertificateValidator([DevelopmentAuthorities.ManufacturerRoot], time, [DevelopmentAuthorities.ManufacturerIntermediate]);
        }

        _registrarInputs = new ReplayableRegistrarInputs(time, random).Initialize();
        _registrar = new Registrar(
            new RegistrarOptions(roots, options.SessionTimeToLive, options.MaxNodes, options.MaxPendingSessions, intermediates),
            _registrarInputs.Time, _registrarInputs.Random);
        _verifier = new AttestationVerifier(_registrar, options.Policy, time, random, options.Nonces,
            new AttestationResultSigner(options.Region, _signingKey, time, options.ResultLifetime));
        _notices = new RevocationNoticeIssuer(options.Region, _signingKey, time, _service.RevocationSequence);
        _tokenHashes = [.. options.EnrollmentTokens.Select(t => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(t)))];
        LoadNodes();
        _store.SaveService(_service);
    }

    /// <summary>The region id.</summary>
    public string Region => _options.Region;

    /// <summary>The region enrollment CA certificate (public): what nodes pin.</summary>
    public X509Certificate2 CaCertificate => _authority.Certificate;

    /// <summary>
    /// The region signing certificate <em>with its private key</em>, issued by the enrollment CA: pass it to
    /// <c>RegionCore.Open</c> (signs acks and region deltas); it also signs attestation results and revocation notices.
    /// </summary>
    public X509Certificate2 SigningCertificate { get; }

    /// <summary>Problems met while loading stored nodes (a node whose stored enrollment no longer replays); for the log.</summary>
    public IReadOnlyList<string> LoadWarnings => _loadWarnings;

    /// <summary>Whether the service runs in development mode (INSECURE, see <see cref="DevelopmentAuthorities"/>).</summary>
    public bool Development => _options.Development;

    /// <summary>
    /// Opens the service: validates the options (all errors at once, <see cref="ArgumentException"/>), loads or
    /// creates the state in <see cref="EnrollmentServiceOptions.StateDirectory"/> (<see cref="InvalidDataException"/>
    /// when it is corrupt or belongs to another region), and issues a region signing certificate if none is
    /// stored or the stored one is near its end or not from this CA.
    /// </summary>
    public static EnrollmentService Open(EnrollmentServiceOptions options, TimeProvider time, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(random);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid enrollment service options: " + string.Join("; ", errors), nameof(options));
        }

        return new EnrollmentService(options, time, random);
    }

    /// <summary>The lower-case hex SHA-256 of an EK certificate's DER: the form of <see cref="EnrollmentServiceOptions.AllowedEkFingerprints"/>.</summary>
    public static string EkFingerprint(ReadOnlySpan<byte> ekCertificateDer) => Convert.ToHexStringLower(SHA256.HashData(Registrar.TrimDer(ekCertificateDer.ToArray())));

    /// <summary>A public-only copy of the key that signs attestation results: the <c>NodeRegistry</c>'s verifier key.</summary>
    public ECDsa CreateResultVerificationKey()
    {
        var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(_signingKey.ExportSubjectPublicKeyInfo(), out _);
        return key;
    }

    /// <summary>A validator of this region's revocation notices (issuer = the region id), for the <c>NodeRegistry</c>.</summary>
    public RevocationNoticeValidator CreateRevocationValidator(ulong lastAccepted = 0) =>
        new(Region, CreateResultVerificationKey(), _time, lastAccepted);

    /// <summary>Every enrolled node, ordered by id: what a restarted region re-applies to its node registry.</summary>
    public IReadOnlyList<EnrolledNode> Nodes()
    {
        lock (_lock)
        {
            return [.. _nodes.Values.OrderBy(n => n.Stored.NodeId, StringComparer.Ordinal).Select(ToView)];
        }
    }

    /// <summary>The enrolled node <paramref name="nodeId"/>, or null.</summary>
    public EnrolledNode? Find(string nodeId)
    {
        lock (_lock)
        {
            return _nodes.TryGetValue(nodeId, out NodeEntry? e) ? ToView(e) : null;
        }
    }

    /// <summary>Pending enrollment sessions (bounded by <see cref="EnrollmentServiceOptions.MaxPendingSessions"/>).</summary>
    public int PendingSessions
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>
    /// Revokes a node (final): the registrar refuses its quotes and re-enrollment from now on, and a signed
    /// notice (next sequence number, persisted before it is returned) is issued for <c>grey.revoke.&lt;site&gt;</c>
    /// and the region's node registry. Revoking a revoked node issues a fresh notice (to republish). Returns
    /// null for an unknown node or a banned one (banned is already final and stronger).
    /// </summary>
    public RevocationIssued? Revoke(string nodeId)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(nodeId, out NodeEntry? entry) || entry.State == NodeState.Banned)
            {
                return null;
            }

            // The registrar may not know the node when its stored enrollment no longer replays; the stored state rules.
            _ = _registrar.SetState(nodeId, NodeState.Revoked);
            entry.State = NodeState.Revoked;
            entry.Stored.State = nameof(NodeState.Revoked);
            AttestationEnvelope notice = _notices.Issue(nodeId, NodeState.Revoked);
            _service.RevocationSequence = _notices.LastSequence;
            _store.SaveService(_service);
            _store.SaveNode(entry.Stored);
            return new RevocationIssued(nodeId, entry.Stored.Site, _notices.LastSequence, notice);
        }
    }

    public void Dispose()
    {
        _signingKey.Dispose();
        SigningCertificate.Dispose();
        if (_ownsAuthority)
        {
            _authority.Dispose();
        }
    }

    private X509Certificate2 LoadOrIssueSigningCertificate()
    {
        DateTimeOffset now = _time.GetUtcNow();
        X509Certificate2? stored = _store.LoadSigningCertificate();
        if (stored is not null)
        {
            bool fresh = new DateTimeOffset(stored.NotAfter.ToUniversalTime()) - now > _options.RegionSigningRenewBefore;
            if (fresh && RegionTrust.ChainsTo(_authority.Certificate, stored, now, out _))
            {
                return stored;
            }

            stored.Dispose();
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        X509Certificate2 issued = _authority.IssueRegionSigningCertificate(Region, key, now.AddMinutes(-1), now + _options.RegionSigningCertificateLifetime);
        _store.SaveSigningCertificate(issued, key);
        return _store.LoadSigningCertificate() ?? throw new IOException("the region signing certificate just written cannot be read back");
    }

    private void LoadNodes()
    {
        foreach (StoredNode stored in _store.LoadNodes(_options.MaxNodes))
        {
            if (!Enum.TryParse(stored.State, out NodeState state) || !Enum.IsDefined(state))
            {
                throw new InvalidDataException($"node {stored.NodeId}: state '{stored.State}' is unknown");
            }

            X509Certificate2 cert;
            EnrollmentRequest request;
            AttestationEnvelope? result = null;
            try
            {
                cert = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(stored.DeltaSigningCertificate));
                request = new EnrollmentRequest(stored.NodeId, Convert.FromBase64String(stored.EkPublic), Convert.FromBase64String(stored.EkCertificate),
                    [.. stored.EkIntermediates.Select(Convert.FromBase64String)], Convert.FromBase64String(stored.AkPublic));
                if (stored.LatestResult is not null && !AttestationEnvelope.TryParse(Convert.FromBase64String(stored.LatestResult), out result, out string error))
                {
                    throw new InvalidDataException(error);
                }
            }
            catch (Exception e) when (e is FormatException or CryptographicException)
            {
                throw new InvalidDataException($"node {stored.NodeId}: {e.Message}", e);
            }

            DateTimeOffset enrolledAt = DateTimeOffset.FromUnixTimeMilliseconds(stored.EnrolledAtMs);
            string? warning = _registrarInputs.Replay(enrolledAt, () =>
            {
                RegistrationResult started = _registrar.StartEnrollment(request);
                if (!started.Accepted)
                {
                    return $"node {stored.NodeId}: its stored enrollment no longer replays ({ToCode(started.Reason)}: {started.Detail}); it cannot attest until an operator acts";
                }

                RegistrationResult done = _registrar.CompleteEnrollment(stored.NodeId, new byte[Registrar.CredentialSize]);
                return done.Accepted ? null : $"node {stored.NodeId}: replay failed: {done.Detail}";
            });
            if (warning is not null)
            {
                _loadWarnings.Add(warning);
            }
            else if (state != NodeState.Enabled)
            {
                _ = _registrar.SetState(stored.NodeId, state);
            }

            var entry = new NodeEntry(stored, cert) { State = state, LatestResult = result };
            if (result is not null && TryParseResult(result, out AttestationResult? parsed))
            {
                entry.ResultExpiresAt = parsed!.ExpiresAt;

                // The verifier's clock history is not stored by itself: the last passing quote's clock restores
                // it, so a TPM whose counters went back since is still caught after a region restart.
                _verifier.Clocks.Record(stored.NodeId, parsed.Clock);
            }

            _nodes[stored.NodeId] = entry;
        }
    }

    private static bool TryParseResult(AttestationEnvelope envelope, out AttestationResult? result)
    {
        try
        {
            result = AttestationResult.Parse(envelope.Payload);
            return true;
        }
        catch (Tpm.TpmFormatException)
        {
            result = null;
            return false;
        }
    }

    private static EnrolledNode ToView(NodeEntry e) =>
        new(e.Stored.NodeId, e.Stored.Site, e.State, DateTimeOffset.FromUnixTimeMilliseconds(e.Stored.EnrolledAtMs),
            X509CertificateLoader.LoadCertificate(e.Certificate.RawData), e.LatestResult, e.ResultExpiresAt);

    /// <summary>The registrar's reasons in the same kebab case as the verifier's codes.</summary>
    internal static string ToCode(RegistrationReason reason)
    {
        string name = reason.ToString();
        var sb = new System.Text.StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }

    private sealed class NodeEntry(StoredNode stored, X509Certificate2 certificate)
    {
        public StoredNode Stored { get; } = stored;

        public X509Certificate2 Certificate { get; set; } = certificate;

        public NodeState State { get; set; }

        public AttestationEnvelope? LatestResult { get; set; }

        public DateTimeOffset? ResultExpiresAt { get; set; }
    }

    private sealed record Session(string NodeId, string Site, EnrollmentRequest Request, byte[] DeltaSigningPublicKey, DateTimeOffset ExpiresAt);
}
