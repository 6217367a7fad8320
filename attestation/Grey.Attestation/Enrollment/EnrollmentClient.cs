using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Attesters;
using Grey.Attestation.Enrollment.Protocol;
using Grey.Attestation.Revocation;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// The edge side of enrollment and attestation (docs/ATTESTATION.md, "Enrollment over the network"). It
/// creates the node's delta-signing key once (kept under <c>&lt;data&gt;/enrollment/</c>), enrolls with the
/// region through credential activation (the first time, and again when the certificate nears its end), pins
/// the region CA at the first enrollment (or a configured CA file) and refuses any other CA later, binds the
/// key in the key-binding PCR once per boot of this client, and attests over fresh nonces. The host calls
/// <see cref="RefreshAsync"/> at start and again at <see cref="NextRefreshDue"/> (half the result's lifetime),
/// signs deltas with <see cref="SigningCertificate"/> (MessageSigner-ready), and checks every region-signed
/// message with <see cref="Trust"/>. Transport-agnostic: requests go through an <see cref="EnrollmentRequestSender"/>.
/// Steps are serialised; properties may be read from any thread.
/// </summary>
public sealed partial class EnrollmentClient : IDisposable
{
    private readonly IAttester _attester;
    private readonly EnrollmentClientOptions _options;
    private readonly TimeProvider _time;
    private readonly EnrollmentRequestSender _send;
    private readonly EnrollmentClientStore _store;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ECDsa _key;
    private readonly byte[] _spki;
    private readonly X509Certificate2? _configuredCa;
    private readonly StoredClient _state;
    private volatile Snapshot _now;
    private bool _bound;

    private EnrollmentClient(IAttester attester, EnrollmentClientOptions options, TimeProvider time, EnrollmentRequestSender send)
    {
        _attester = attester;
        _options = options;
        _time = time;
        _send = send;
        _store = new EnrollmentClientStore(options.DataDirectory);
        _state = _store.LoadState() ?? new StoredClient { NodeId = options.NodeId, Site = options.Site };
        if (_state.NodeId != options.NodeId || _state.Site != options.Site)
        {
            throw new InvalidOperationException(
                $"{_store.Directory} holds the enrollment of node '{_state.NodeId}' of site '{_state.Site}', not '{options.NodeId}' of '{options.Site}'");
        }

        _key = _store.LoadOrCreateKey();
        _spki = _key.ExportSubjectPublicKeyInfo();
        if (options.RegionCaFile is not null)
        {
            _configuredCa = EnrollmentClientStore.TryParseCertificate(File.ReadAllBytes(options.RegionCaFile))
                ?? throw new ArgumentException($"{options.RegionCaFile} is not a certificate (PEM or DER)", nameof(options));
        }

        _now = LoadSnapshot();
        _store.SaveState(_state);
    }

    /// <summary>Raised after an enrollment stored a new delta-signing certificate (with its private key): sign with it from now on.</summary>
    public event Action<X509Certificate2>? SigningCertificateChanged;

    public string NodeId => _options.NodeId;

    public string Site => _options.Site;

    /// <summary>The region this node enrolled with, or null before the first enrollment.</summary>
    public string? Region => _now.Trust?.Region;

    /// <summary>The delta-signing public key (SubjectPublicKeyInfo DER), fixed for the life of the data directory.</summary>
    public ReadOnlyMemory<byte> DeltaSigningPublicKey => _spki;

    /// <summary>The delta-signing certificate <em>with its private key</em> (for <c>MessageSigner</c>), or null before enrollment.</summary>
    public X509Certificate2? SigningCertificate => _now.Certificate;

    /// <summary>The pinned region CA, or null before the first enrollment (unless configured).</summary>
    public X509Certificate2? PinnedCa => _now.Trust?.PinnedCa ?? _configuredCa;

    /// <summary>The region signing certificate (signs acks, results, revocation notices, desired changes), or null.</summary>
    public X509Certificate2? RegionSigningCertificate => _now.Trust?.RegionSigningCertificate;

    /// <summary>Verifies region-signed messages against the region certificate chained to the pinned CA; null before enrollment.</summary>
    public RegionTrust? Trust => _now.Trust;

    /// <summary>The latest signed attestation result, or null before the first pass in this process.</summary>
    public AttestationEnvelope? LatestResult => _now.Result;

    /// <summary>When the latest result expires (the region's clock), or null.</summary>
    public DateTimeOffset? ResultExpiresAt => _now.ResultExpiresAt;

    /// <summary>
    /// When <see cref="RefreshAsync"/> has work to do: half-way through the attestation result's lifetime
    /// (measured on this node's clock from its receipt), or when the certificate must be renewed, whichever is
    /// first. Null means now (not enrolled or not attested yet).
    /// </summary>
    public DateTimeOffset? NextRefreshDue
    {
        get
        {
            Snapshot s = _now;
            if (s.Certificate is null || s.Trust is null || s.AttestDue is null)
            {
                return null;
            }

            DateTimeOffset renew = new DateTimeOffset(s.Certificate.NotAfter.ToUniversalTime()) - _options.RenewBefore;
            return renew < s.AttestDue ? renew : s.AttestDue;
        }
    }

    /// <summary>
    /// Opens the client: validates the options (<see cref="ArgumentException"/> listing every problem), loads or
    /// creates the delta-signing key and the stored enrollment. Throws <see cref="InvalidOperationException"/> when
    /// the data directory holds another node's enrollment, <see cref="InvalidDataException"/> when it is corrupt.
    /// </summary>
    public static EnrollmentClient Open(IAttester attester, EnrollmentClientOptions options, TimeProvider time, EnrollmentRequestSender send)
    {
        ArgumentNullException.ThrowIfNull(attester);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(send);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid enrollment client options: " + string.Join("; ", errors), nameof(options));
        }

        return new EnrollmentClient(attester, options, time, send);
    }

    /// <summary>
    /// Does what is due: enrolls when not enrolled or the certificate nears its end, then attests when there is
    /// no result yet, the result is half-way through its life, or the node just enrolled. Returns the last step.
    /// </summary>
    public async ValueTask<EnrollmentStepResult> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnrollmentStepResult enrolled = await EnsureEnrolledCoreAsync(cancellationToken).ConfigureAwait(false);
            if (!enrolled.Succeeded)
            {
                return enrolled;
            }

            Snapshot s = _now;
            bool due = enrolled.Status == EnrollmentStepStatus.Enrolled || s.AttestDue is null || _time.GetUtcNow() >= s.AttestDue;
            return due ? await AttestCoreAsync(cancellationToken).ConfigureAwait(false) : enrolled;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Enrolls when not enrolled or the certificate has less than <see cref="EnrollmentClientOptions.RenewBefore"/> left.</summary>
    public async ValueTask<EnrollmentStepResult> EnsureEnrolledAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await EnsureEnrolledCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Enrolls now, whatever the stored certificate's age.</summary>
    public async ValueTask<EnrollmentStepResult> EnrollAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await EnrollCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Attests now over a fresh nonce. Throws <see cref="InvalidOperationException"/> when not enrolled.</summary>
    public async ValueTask<EnrollmentStepResult> AttestAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await AttestCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Accepts a revocation notice from <c>grey.revoke.&lt;site&gt;</c>: signed by the region signing key
    /// (chained to the pinned CA), unexpired, sequence above the last accepted (persisted, so a replay is refused
    /// after a restart too). Before enrollment nothing can be verified: <see cref="NoticeCheck.SignatureInvalid"/>.
    /// </summary>
    public NoticeCheck AcceptRevocationNotice(ReadOnlySpan<byte> wire, out RevocationNotice? notice)
    {
        notice = null;
        RegionTrust? trust = _now.Trust;
        if (trust is null)
        {
            return NoticeCheck.SignatureInvalid;
        }

        NoticeCheck check = trust.VerifyRevocationNotice(wire, out notice);
        if (check == NoticeCheck.Accepted)
        {
            lock (_state)
            {
                _state.RevocationSequence = Math.Max(_state.RevocationSequence, trust.LastRevocationSequence);
                _store.SaveState(_state);
            }
        }

        return check;
    }

    public void Dispose()
    {
        _gate.Dispose();
        _key.Dispose();
    }

    private Snapshot LoadSnapshot()
    {
        X509Certificate2? ca = _store.LoadCertificate(EnrollmentClientStore.CaFile);
        X509Certificate2? signing = _store.LoadCertificate(EnrollmentClientStore.RegionSigningFile);
        X509Certificate2? cert = _store.LoadCertificate(EnrollmentClientStore.CertificateFile);
        if (_configuredCa is not null && ca is not null && !SameCa(_configuredCa, ca))
        {
            // The operator configured another CA than the one stored: the stored enrollment is void, enroll again.
            return new Snapshot(null, null, null, null, null);
        }

        RegionTrust? trust = null;
        if (ca is not null && signing is not null && _state.Region is not null)
        {
            _ = RegionTrust.TryCreate(_state.Region, ca, signing, _time, _state.RevocationSequence, out trust, out _);
        }

        X509Certificate2? withKey = null;
        if (trust is not null && cert is not null && cert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(_spki)
            && RegionTrust.ChainsTo(trust.PinnedCa, cert, _time.GetUtcNow(), out _))
        {
            withKey = cert.CopyWithPrivateKey(_key);
        }

        return new Snapshot(withKey, trust, null, null, null);
    }

    /// <summary>The same CA: same subject and same key (a CA re-issued with new dates is still the pinned CA).</summary>
    private static bool SameCa(X509Certificate2 a, X509Certificate2 b) =>
        a.SubjectName.RawData.AsSpan().SequenceEqual(b.SubjectName.RawData)
        && a.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(b.PublicKey.ExportSubjectPublicKeyInfo());

    private async ValueTask<(EnrollmentMessage? Reply, EnrollmentStepResult? Failure)> RequestAsync(
        EnrollmentRequestKind kind, EnrollmentMessage message, CancellationToken cancellationToken)
    {
        EnrollmentReply reply = await _send(kind, EnrollmentCodec.Encode(message), _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        if (reply.Payload is not { } payload)
        {
            return (null, new EnrollmentStepResult(EnrollmentStepStatus.Unavailable, reply.Error ?? "no reply"));
        }

        DecodedMessage decoded = EnrollmentCodec.Decode(payload);
        if (!decoded.Ok)
        {
            return (null, Reject(ClientRejectionCodes.ReplyMalformed, $"the region's reply to {message.Type}: {decoded.Error}"));
        }

        return decoded.Message is Refusal r
            ? (null, new EnrollmentStepResult(EnrollmentStepStatus.Refused, r.Message, r.Code))
            : (decoded.Message, null);
    }

    private static EnrollmentStepResult Reject(string code, string detail) => new(EnrollmentStepStatus.Rejected, detail, code);

    /// <summary>What the client holds now, replaced as a whole so readers on other threads see a consistent view.</summary>
    private sealed record Snapshot(X509Certificate2? Certificate, RegionTrust? Trust, AttestationEnvelope? Result, DateTimeOffset? ResultExpiresAt, DateTimeOffset? AttestDue);
}
