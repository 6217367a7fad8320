using System.Security.Cryptography;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Results;

/// <summary>Why a relying party refused an attestation result.</summary>
public enum ResultCheck
{
    Accepted = 0,
    Malformed = 1,
    SignatureInvalid = 2,
    Expired = 3,
    NotYetValid = 4,
    WrongNode = 5,
    WrongKey = 6,
}

/// <summary>
/// Signs attestation results with the verifier's ECDSA P-256 key, and checks them for relying parties
/// (the region, before merging a node's deltas): signature, validity window, node and delta-signing key.
/// </summary>
public sealed class AttestationResultSigner(string verifierId, ECDsa key, TimeProvider time, TimeSpan? lifetime = null)
{
    /// <summary>Default lifetime of a result: short, so a revoked or rebooted node stops being trusted soon.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Clock skew tolerated between verifier and relying party.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromSeconds(30);

    public string VerifierId { get; } = verifierId;

    public TimeSpan Lifetime { get; } = lifetime ?? DefaultLifetime;

    public SignedEnvelope Sign(string nodeId, byte[] akName, string keyId, byte[] boundKeyHash, TpmsClockInfo clock, bool reboot, bool unclean)
    {
        DateTimeOffset now = time.GetUtcNow();
        var result = new AttestationResult(VerifierId, nodeId, akName, keyId, boundKeyHash, clock, reboot, unclean, now, now + Lifetime);
        return SignedEnvelope.Sign(result.ToBytes(), key);
    }

    /// <summary>Checks a result for a relying party that is about to trust <paramref name="deltaSigningKeyId"/> of <paramref name="nodeId"/>.</summary>
    public static ResultCheck Check(SignedEnvelope envelope, ECDsa verifierPublicKey, TimeProvider time, string nodeId, string deltaSigningKeyId, out AttestationResult? result)
    {
        result = null;
        if (!envelope.Verify(verifierPublicKey))
        {
            return ResultCheck.SignatureInvalid;
        }

        try
        {
            result = AttestationResult.Parse(envelope.Payload);
        }
        catch (TpmFormatException)
        {
            return ResultCheck.Malformed;
        }

        DateTimeOffset now = time.GetUtcNow();
        if (now >= result.ExpiresAt)
        {
            return ResultCheck.Expired;
        }

        if (result.IssuedAt > now + MaxSkew)
        {
            return ResultCheck.NotYetValid;
        }

        if (!string.Equals(result.NodeId, nodeId, StringComparison.Ordinal))
        {
            return ResultCheck.WrongNode;
        }

        return string.Equals(result.DeltaSigningKeyId, deltaSigningKeyId, StringComparison.OrdinalIgnoreCase) ? ResultCheck.Accepted : ResultCheck.WrongKey;
    }
}
