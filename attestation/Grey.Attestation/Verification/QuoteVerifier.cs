using System.Security.Cryptography;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Verification;

/// <summary>
/// Stateless verification of one quote against a key and an expected nonce: what <c>greyctl attest
/// verify</c> does. Checks structure, header, the key's attributes (when it is a TPM2B_PUBLIC), algorithms,
/// signature, nonce (constant time), PCR selection and digest, and, with a policy, the event log, reference
/// values and key binding. There is no enrolment, nonce registry or clock history here: see
/// <see cref="AttestationVerifier"/>.
/// </summary>
public static class QuoteVerifier
{
    /// <param name="evidence">The quote; <see cref="QuoteEvidence.AkPublic"/> is ignored when <paramref name="ak"/> is given.</param>
    /// <param name="ak">The attestation key, or null to parse it from the evidence.</param>
    public static VerificationOutcome Verify(QuoteEvidence evidence, ReadOnlySpan<byte> expectedNonce, AttestationPolicy? policy = null, TpmPublic? ak = null)
    {
        policy ??= AttestationPolicy.Default;
        VerificationOutcome? fail = QuoteChecks.Parse(evidence, ak, out ParsedEvidence? e);
        if (fail is not null)
        {
            return fail;
        }

        fail = QuoteChecks.AkAttributes(e!.Ak) ?? QuoteChecks.Algorithms(e, policy);
        if (fail is not null)
        {
            return fail;
        }

        if (!e.Ak.TryCreateVerifier(out TpmSignatureVerifier? verifier, out string keyError))
        {
            return VerificationOutcome.Fail(ReasonCode.AkMalformed, keyError);
        }

        using (verifier)
        {
            fail = QuoteChecks.Signature(e, verifier!);
        }

        fail ??= QuoteChecks.NonceShape(e.Attest.ExtraData);
        if (fail is null && !CryptographicOperations.FixedTimeEquals(e.Attest.ExtraData, expectedNonce))
        {
            fail = VerificationOutcome.Fail(ReasonCode.NonceMismatch, "the quote's extraData is not the nonce given");
        }

        fail ??= QuoteChecks.Pcrs(e, policy) ?? QuoteChecks.Log(e, policy);
        if (fail is not null)
        {
            return fail;
        }

        fail = QuoteChecks.Binding(e, policy, DeltaKey.FromDer, out byte[]? bound, out string? keyId);
        return fail ?? new VerificationOutcome(ReasonCode.Accepted, "accepted")
        {
            Clock = e.Attest.ClockInfo, BoundKeyHash = bound, DeltaSigningKeyId = keyId,
        };
    }
}
