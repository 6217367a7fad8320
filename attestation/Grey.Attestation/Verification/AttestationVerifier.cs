using Grey.Attestation.Randomness;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Verification;

/// <summary>
/// The verifier of a region: issues nonces and judges quotes of enrolled nodes against a policy, failing
/// closed at the first failed check of DESIGN §4 with its reason code: strict parse; header; node enrolled
/// and enabled; AK the enrolled one; EK chain still within its dates; AK attributes; algorithms; signature;
/// nonce (issued to this node, unexpired, unused, constant-time); PCR selection and digest; event log replay
/// and reference values; clock and counters; key binding. A pass updates the node's clock history and
/// carries a signed, short-lived attestation result. A pure core: no I/O, time from the TimeProvider,
/// randomness from the injected source. Not thread-safe: one owner serialises calls.
/// </summary>
public sealed class AttestationVerifier
{
    private readonly INodeDirectory _directory;
    private readonly Nonces _nonces;
    private readonly ClockHistory _clocks = new();
    private readonly TimeProvider _time;
    private readonly AttestationResultSigner? _signer;

    /// <summary>
    /// Parsed delta-signing certificates by SHA-256 of their DER: a node presents the same certificate with
    /// every quote, and loading a certificate costs more than verifying the quote's signature.
    /// </summary>
    private readonly Dictionary<string, DeltaKey?> _deltaKeys = new(StringComparer.Ordinal);

    /// <summary>The most certificates cached; the cache is emptied when it is full.</summary>
    public const int MaxCachedCertificates = 100_000;

    public AttestationVerifier(
        INodeDirectory directory, AttestationPolicy policy, TimeProvider time, IRandomSource random,
        NonceOptions? nonceOptions = null, AttestationResultSigner? signer = null)
    {
        _directory = directory;
        Policy = policy;
        _time = time;
        _signer = signer;
        _nonces = new Nonces(nonceOptions ?? new NonceOptions(), time, random);
    }

    public AttestationPolicy Policy { get; }

    public ClockHistory Clocks => _clocks;

    /// <summary>Issues a fresh nonce to the node, superseding any earlier one.</summary>
    public byte[] IssueNonce(string nodeId) => _nonces.Issue(nodeId);

    public VerificationOutcome Verify(string nodeId, QuoteEvidence evidence)
    {
        VerificationOutcome? fail = QuoteChecks.Parse(evidence, knownAk: null, out ParsedEvidence? e);
        if (fail is not null)
        {
            return fail;
        }

        if (!_directory.TryGet(nodeId, out NodeRecord? node) || node is null)
        {
            return VerificationOutcome.Fail(ReasonCode.NodeUnknown, $"node '{nodeId}' is not enrolled");
        }

        fail = node.State switch
        {
            NodeState.Disabled => VerificationOutcome.Fail(ReasonCode.NodeDisabled, "the node is disabled"),
            NodeState.Revoked => VerificationOutcome.Fail(ReasonCode.NodeRevoked, "the node is revoked"),
            NodeState.Banned => VerificationOutcome.Fail(ReasonCode.NodeBanned, "the node is banned"),
            _ => null,
        };
        if (fail is not null)
        {
            return fail;
        }

        if (!e!.Ak.Name.AsSpan().SequenceEqual(node.AkName))
        {
            return VerificationOutcome.Fail(ReasonCode.AkNotEnrolled, "the quote's attestation key is not the one enrolled for this node");
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (now < node.EkChainNotBefore || now > node.EkChainNotAfter)
        {
            return VerificationOutcome.Fail(ReasonCode.EkCertificateInvalid, $"the EK chain is valid {node.EkChainNotBefore:u}..{node.EkChainNotAfter:u}, not at {now:u}");
        }

        fail = QuoteChecks.AkAttributes(node.Ak) ?? QuoteChecks.Algorithms(e, Policy) ?? QuoteChecks.Signature(e, node.AkVerifier)
            ?? QuoteChecks.NonceShape(e.Attest.ExtraData);
        if (fail is not null)
        {
            return fail;
        }

        // The nonce is consumed here, whatever follows: a signed quote for it exists now, and replaying it must fail.
        ReasonCode nonce = _nonces.Redeem(nodeId, e.Attest.ExtraData);
        if (nonce != ReasonCode.Accepted)
        {
            return VerificationOutcome.Fail(nonce, NonceDetail(nonce));
        }

        fail = QuoteChecks.Pcrs(e, Policy) ?? QuoteChecks.Log(e, Policy);
        if (fail is not null)
        {
            return fail;
        }

        fail = _clocks.Check(nodeId, e.Attest.ClockInfo, out bool reboot, out bool unclean, out bool restart);
        if (fail is not null)
        {
            return fail;
        }

        fail = QuoteChecks.Binding(e, Policy, ResolveDeltaKey, out byte[]? bound, out string? keyId);
        if (fail is not null)
        {
            return fail;
        }

        _clocks.Record(nodeId, e.Attest.ClockInfo);
        SignedEnvelope? signed = _signer is not null && keyId is not null && bound is not null
            ? _signer.Sign(nodeId, node.AkName, keyId, bound, e.Attest.ClockInfo, reboot, unclean)
            : null;
        string detail = reboot ? (unclean ? "accepted; reboot after an unclean shutdown" : "accepted; reboot") : "accepted";
        return new VerificationOutcome(ReasonCode.Accepted, detail)
        {
            Clock = e.Attest.ClockInfo, Reboot = reboot, UncleanReboot = unclean, Restart = restart,
            BoundKeyHash = bound, DeltaSigningKeyId = keyId, SignedResult = signed,
        };
    }

    private DeltaKey? ResolveDeltaKey(byte[] der)
    {
        string key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(der));
        if (_deltaKeys.TryGetValue(key, out DeltaKey? cached))
        {
            return cached;
        }

        if (_deltaKeys.Count >= MaxCachedCertificates)
        {
            _deltaKeys.Clear();
        }

        DeltaKey? parsed = DeltaKey.FromDer(der);
        _deltaKeys[key] = parsed;
        return parsed;
    }

    private static string NonceDetail(ReasonCode code) => code switch
    {
        ReasonCode.NonceUnknown => "the nonce was never issued by this verifier",
        ReasonCode.NonceForeign => "the nonce was issued to another node",
        ReasonCode.NonceExpired => "the nonce expired",
        ReasonCode.NonceReused => "the nonce was already used",
        ReasonCode.NonceStale => "a newer nonce was issued to this node",
        _ => "the nonce is not acceptable",
    };
}
