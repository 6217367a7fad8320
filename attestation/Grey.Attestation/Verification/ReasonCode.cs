namespace Grey.Attestation.Verification;

/// <summary>
/// Why evidence was refused. The string form (<see cref="ReasonCodes.ToCode"/>) is stable: it is printed by
/// greyctl, logged, and matched by operators and tests. Numeric values are never reused.
/// </summary>
public enum ReasonCode
{
    /// <summary>Every check passed.</summary>
    Accepted = 0,

    /// <summary>The TPMS_ATTEST did not parse strictly (truncated, oversized, trailing bytes, unknown algorithm).</summary>
    QuoteMalformed = 1,

    /// <summary>The TPMT_SIGNATURE did not parse.</summary>
    SignatureMalformed = 2,

    /// <summary>The attestation key (TPM2B_PUBLIC or PEM) did not parse.</summary>
    AkMalformed = 3,

    /// <summary>The PCR values did not parse or do not cover the quote's selection.</summary>
    PcrValuesMalformed = 4,

    /// <summary>The event log did not parse.</summary>
    EventLogMalformed = 5,

    /// <summary>The magic is not TPM_GENERATED_VALUE or the type is not a quote: not made by a TPM's quote.</summary>
    HeaderInvalid = 10,

    /// <summary>No node with this id is enrolled.</summary>
    NodeUnknown = 20,

    /// <summary>The node is disabled by an admin.</summary>
    NodeDisabled = 21,

    /// <summary>The node is revoked.</summary>
    NodeRevoked = 22,

    /// <summary>The node is banned (its EK may never enrol again).</summary>
    NodeBanned = 23,

    /// <summary>The key presented is not the attestation key enrolled for this node (unenrolled, or another node's).</summary>
    AkNotEnrolled = 24,

    /// <summary>The attestation key lacks restricted, sign, fixedTPM, fixedParent or sensitiveDataOrigin, or can decrypt.</summary>
    AkAttributesInvalid = 25,

    /// <summary>The EK certificate chain no longer validates (a certificate expired or is not yet valid).</summary>
    EkCertificateInvalid = 26,

    /// <summary>A hash below the policy's minimum (SHA-1) or another downgrade (weaker bank, weaker signature hash).</summary>
    AlgorithmNotAllowed = 30,

    /// <summary>The signature does not verify over the exact TPMS_ATTEST bytes with the attestation key.</summary>
    SignatureInvalid = 31,

    /// <summary>The quote's nonce (extraData) is shorter than 128 bits.</summary>
    NonceTooShort = 40,

    /// <summary>The nonce was never issued by this verifier.</summary>
    NonceUnknown = 41,

    /// <summary>The nonce was issued to another node.</summary>
    NonceForeign = 42,

    /// <summary>The nonce expired before the quote arrived.</summary>
    NonceExpired = 43,

    /// <summary>The nonce was already used by an earlier quote.</summary>
    NonceReused = 44,

    /// <summary>The nonce was superseded by a newer nonce issued to the same node.</summary>
    NonceStale = 45,

    /// <summary>The quote's nonce differs from the one expected (stateless verification).</summary>
    NonceMismatch = 46,

    /// <summary>The quote's PCR selection is not exactly the one the policy asks for (missing or extra PCR or bank).</summary>
    PcrSelectionMismatch = 50,

    /// <summary>The PCR values do not hash to the quote's pcrDigest, or do not answer its selection.</summary>
    PcrDigestMismatch = 51,

    /// <summary>The policy requires an event log and none was given.</summary>
    EventLogMissing = 60,

    /// <summary>The event log does not replay to the quoted PCR values (edited, reordered, truncated, extra event).</summary>
    EventLogMismatch = 61,

    /// <summary>A PCR value is not among the policy's allowed values for that PCR.</summary>
    PcrValueNotAllowed = 62,

    /// <summary>An event's digest is not among the policy's allowed digests for that event.</summary>
    EventNotAllowed = 63,

    /// <summary>A measured binary's hash is not among the policy's allowed binary hashes.</summary>
    BinaryNotAllowed = 64,

    /// <summary>The TPM clock went back within one boot (same reset count).</summary>
    ClockWentBack = 70,

    /// <summary>The reset or restart counter went back.</summary>
    CounterWentBack = 71,

    /// <summary><c>safe</c> = 0 without a reset: the clock may have gone back without the TPM having rebooted.</summary>
    ClockUnsafe = 72,

    /// <summary>The log has no key-binding event on the key-binding PCR, or that PCR is not quoted.</summary>
    KeyBindingMissing = 80,

    /// <summary>The delta-signing key presented is not the one bound in the quote.</summary>
    KeyBindingMismatch = 81,
}

/// <summary>The stable string forms of <see cref="ReasonCode"/>.</summary>
public static class ReasonCodes
{
    /// <summary>Kebab-case name, e.g. "nonce-reused".</summary>
    public static string ToCode(this ReasonCode code)
    {
        string name = code.ToString();
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
}
