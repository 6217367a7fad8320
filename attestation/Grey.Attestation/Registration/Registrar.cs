using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Credentials;
using Grey.Attestation.Randomness;
using Grey.Attestation.Revocation;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Registration;

/// <summary>
/// Enrols nodes. <see cref="StartEnrollment"/> checks the EK certificate chain (pinned root, validity dates),
/// that the EK is the certified key and a storage key, that the AK is a restricted fixedTPM signing key, and
/// that the identity is new or unchanged; it then makes a credential (TPM2_MakeCredential) for the AK's name
/// under the EK. Only the TPM holding both keys recovers it, so <see cref="CompleteEnrollment"/> with the
/// right secret proves the AK lives in the certified TPM. Identity is immutable once enrolled.
/// Not thread-safe: the owner serialises calls (a region runs it behind one queue).
/// </summary>
public sealed class Registrar : INodeDirectory
{
    /// <summary>Credential size: a SHA-256 digest's worth of random bytes.</summary>
    public const int CredentialSize = 32;

    private readonly RegistrarOptions _options;
    private readonly TimeProvider _time;
    private readonly IRandomSource _random;
    private readonly EkCertificateValidator _ekValidator;
    private readonly RevocationNoticeIssuer? _notices;
    private readonly Dictionary<string, NodeRecord> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _nodeByEkName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _bannedEks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    public Registrar(RegistrarOptions options, TimeProvider time, IRandomSource random, RevocationNoticeIssuer? notices = null)
    {
        options.Validate();
        _options = options;
        _time = time;
        _random = random;
        _notices = notices;
        _ekValidator = new EkCertificateValidator(options.ManufacturerRoots, time, options.KnownIntermediates);
    }

    public int Count => _nodes.Count;

    public bool TryGet(string nodeId, out NodeRecord? record) => _nodes.TryGetValue(nodeId, out record);

    public RegistrationResult StartEnrollment(EnrollmentRequest request)
    {
        if (!NodeIds.IsValid(request.NodeId))
        {
            return RegistrationResult.Fail(RegistrationReason.NodeIdInvalid, $"'{request.NodeId}' is not a node id");
        }

        if (!TpmPublic.TryParse(request.EkPublic, out TpmPublic? ek, out string error)
            || !TpmPublic.TryParse(request.AkPublic, out TpmPublic? ak, out error))
        {
            return RegistrationResult.Fail(RegistrationReason.Malformed, error);
        }

        X509Certificate2 ekCert;
        var intermediates = new List<X509Certificate2>();
        try
        {
            ekCert = X509CertificateLoader.LoadCertificate(TrimDer(request.EkCertificate));
            foreach (byte[] der in request.EkIntermediates.Take(EkCertificateValidator.MaxIntermediates + 1))
            {
                intermediates.Add(X509CertificateLoader.LoadCertificate(TrimDer(der)));
            }
        }
        catch (CryptographicException e)
        {
            return RegistrationResult.Fail(RegistrationReason.Malformed, "certificate: " + e.Message);
        }

        string ekKey = Convert.ToHexString(ek!.Name);
        if (_bannedEks.Contains(ekKey))
        {
            return RegistrationResult.Fail(RegistrationReason.Banned, "this EK is banned");
        }

        if (_nodes.TryGetValue(request.NodeId, out NodeRecord? existing))
        {
            if (existing.State == NodeState.Banned)
            {
                return RegistrationResult.Fail(RegistrationReason.Banned, "the node is banned");
            }

            if (!existing.Ek.Name.AsSpan().SequenceEqual(ek.Name) || !existing.AkName.AsSpan().SequenceEqual(ak!.Name)
                || !existing.EkChain[0].RawDataMemory.Span.SequenceEqual(ekCert.RawDataMemory.Span))
            {
                return RegistrationResult.Fail(RegistrationReason.IdentityConflict, "the node id is enrolled with another EK, EK certificate or AK");
            }

            if (existing.State != NodeState.Enabled)
            {
                return RegistrationResult.Fail(RegistrationReason.NotEnabled, $"the node is {existing.State}");
            }
        }
        else if (_nodeByEkName.TryGetValue(ekKey, out string? other))
        {
            return RegistrationResult.Fail(RegistrationReason.EkInUse, $"this EK is enrolled as node '{other}'");
        }
        else if (_nodes.Count >= _options.MaxNodes)
        {
            return RegistrationResult.Fail(RegistrationReason.CapacityReached, $"{_options.MaxNodes} nodes enrolled");
        }

        RegistrationReason chainReason = _ekValidator.Validate(ekCert, intermediates, out ImmutableArray<X509Certificate2> chain, out string chainDetail);
        if (chainReason != RegistrationReason.Accepted)
        {
            return RegistrationResult.Fail(chainReason, chainDetail);
        }

        if (!ek.MatchesCertificateKey(ekCert))
        {
            return RegistrationResult.Fail(RegistrationReason.EkMismatch, "the EK public key is not the certified key");
        }

        if ((ek.Attributes & (TpmObjectAttributes.Restricted | TpmObjectAttributes.Decrypt | TpmObjectAttributes.FixedTpm))
            != (TpmObjectAttributes.Restricted | TpmObjectAttributes.Decrypt | TpmObjectAttributes.FixedTpm) || ek.SymmetricAlg != TpmAlgId.Aes)
        {
            return RegistrationResult.Fail(RegistrationReason.EkNotStorageKey, $"EK attributes 0x{(uint)ek.Attributes:x8}");
        }

        if (ek.NameAlg == TpmAlgId.Sha1 || ak!.NameAlg == TpmAlgId.Sha1 || ak.SchemeHash == TpmAlgId.Sha1)
        {
            return RegistrationResult.Fail(RegistrationReason.AlgorithmNotAllowed, "SHA-1 names or schemes are not accepted");
        }

        TpmObjectAttributes missing = TpmObjectAttributes.AttestationKeyRequired & ~ak.Attributes;
        if (missing != 0 || (ak.Attributes & TpmObjectAttributes.Decrypt) != 0)
        {
            return RegistrationResult.Fail(RegistrationReason.AkAttributesInvalid, $"AK attributes 0x{(uint)ak.Attributes:x8}, missing {missing}");
        }

        if (!_pending.ContainsKey(request.NodeId) && _pending.Count >= _options.MaxPendingChallenges)
        {
            ExpirePending();
            if (_pending.Count >= _options.MaxPendingChallenges)
            {
                return RegistrationResult.Fail(RegistrationReason.CapacityReached, $"{_options.MaxPendingChallenges} challenges pending");
            }
        }

        if (!ak.TryCreateVerifier(out TpmSignatureVerifier? akVerifier, out string keyError))
        {
            return RegistrationResult.Fail(RegistrationReason.Malformed, "AK: " + keyError);
        }

        akVerifier!.Dispose();
        byte[] secret = new byte[CredentialSize];
        _random.Fill(secret);
        CredentialChallenge challenge;
        try
        {
            challenge = CredentialProtector.MakeCredential(ek, ak.Name, secret, _random);
        }
        catch (CryptographicException e)
        {
            return RegistrationResult.Fail(RegistrationReason.Malformed, "EK: " + e.Message);
        }
        _pending[request.NodeId] = new Pending(secret, _time.GetUtcNow() + _options.ChallengeTtl, ek, chain, ak);
        return new RegistrationResult(RegistrationReason.Accepted, "challenge issued") { Challenge = challenge };
    }

    /// <summary>
    /// Completes an enrolment with the secret the TPM recovered. A challenge is single use: a wrong answer
    /// consumes it, and the node must start again.
    /// </summary>
    public RegistrationResult CompleteEnrollment(string nodeId, ReadOnlySpan<byte> activatedSecret)
    {
        if (!_pending.Remove(nodeId, out Pending? pending))
        {
            return RegistrationResult.Fail(RegistrationReason.NoPendingChallenge, "no challenge pending for this node");
        }

        if (_time.GetUtcNow() >= pending.Expires)
        {
            return RegistrationResult.Fail(RegistrationReason.ChallengeExpired, "the challenge expired");
        }

        if (!CryptographicOperations.FixedTimeEquals(pending.Secret, activatedSecret))
        {
            return RegistrationResult.Fail(RegistrationReason.CredentialActivationFailed, "the activated credential is wrong: the AK is not in the certified TPM");
        }

        if (!_nodes.ContainsKey(nodeId))
        {
            _nodes[nodeId] = new NodeRecord(nodeId, pending.Ek, pending.Chain, pending.Ak, NodeState.Enabled, _time.GetUtcNow());
            _nodeByEkName[Convert.ToHexString(pending.Ek.Name)] = nodeId;
        }

        return new RegistrationResult(RegistrationReason.Accepted, "enrolled");
    }

    /// <summary>Changes a node's state; Revoked and Banned are final. Issues a signed notice when configured.</summary>
    public RegistrationResult SetState(string nodeId, NodeState state)
    {
        if (!_nodes.TryGetValue(nodeId, out NodeRecord? node))
        {
            return RegistrationResult.Fail(RegistrationReason.NodeUnknown, $"node '{nodeId}' is not enrolled");
        }

        bool allowed = node.State switch
        {
            NodeState.Enabled or NodeState.Disabled => true,
            NodeState.Revoked => state is NodeState.Revoked or NodeState.Banned,
            _ => state == NodeState.Banned,
        };
        if (!allowed)
        {
            return RegistrationResult.Fail(RegistrationReason.TransitionNotAllowed, $"{node.State} -> {state} is not allowed");
        }

        node.State = state;
        if (state == NodeState.Banned)
        {
            _bannedEks.Add(Convert.ToHexString(node.Ek.Name));
        }

        return new RegistrationResult(RegistrationReason.Accepted, $"node is {state}") { Notice = _notices?.Issue(nodeId, state) };
    }

    /// <summary>
    /// EK certificates read from TPM NV are often padded to the index size; keep exactly the DER SEQUENCE.
    /// </summary>
    internal static byte[] TrimDer(byte[] der)
    {
        if (der.Length < 4 || der[0] != 0x30)
        {
            return der;
        }

        int length;
        int header;
        if (der[1] < 0x80)
        {
            length = der[1];
            header = 2;
        }
        else
        {
            int n = der[1] & 0x7F;
            if (n is 0 or > 3 || der.Length < 2 + n)
            {
                return der;
            }

            length = 0;
            for (int i = 0; i < n; i++)
            {
                length = (length << 8) | der[2 + i];
            }

            header = 2 + n;
        }

        return header + length < der.Length ? der[..(header + length)] : der;
    }

    private void ExpirePending()
    {
        DateTimeOffset now = _time.GetUtcNow();
        foreach (string key in _pending.Where(p => p.Value.Expires <= now).Select(p => p.Key).ToList())
        {
            _pending.Remove(key);
        }
    }

    private sealed record Pending(byte[] Secret, DateTimeOffset Expires, TpmPublic Ek, ImmutableArray<X509Certificate2> Chain, TpmPublic Ak);
}
