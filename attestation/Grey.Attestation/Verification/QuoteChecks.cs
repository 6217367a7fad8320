using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grey.Attestation.Events;
using Grey.Attestation.Pcr;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Verification;

/// <summary>Evidence after strict parsing.</summary>
internal sealed record ParsedEvidence(
    byte[] AttestBytes, TpmsAttest Attest, TpmtSignature Signature, TpmPublic Ak, PcrValues Pcrs, EventLog? Log, byte[]? DeltaCertificate);

/// <summary>What key binding needs from a delta-signing certificate: SHA-256 of its SPKI and its key identifier.</summary>
internal sealed record DeltaKey(byte[] SpkiSha256, string KeyId)
{
    /// <summary>Parses the certificate (slow: a certificate load costs more than a signature check); null if it does not parse.</summary>
    public static DeltaKey? FromDer(byte[] der)
    {
        try
        {
            using X509Certificate2 cert = X509CertificateLoader.LoadCertificate(der);
            return new DeltaKey(SHA256.HashData(KeyBinding.SubjectPublicKeyInfo(cert)), KeyBinding.KeyIdentifier(cert));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}

/// <summary>
/// The checks of DESIGN §4 as pure functions, shared by the stateless <see cref="QuoteVerifier"/> (greyctl)
/// and the stateful <see cref="AttestationVerifier"/>. Each returns null when the check passes.
/// </summary>
internal static class QuoteChecks
{
    /// <summary>Strict parse of every part; the reason names the part that is malformed.</summary>
    public static VerificationOutcome? Parse(QuoteEvidence evidence, TpmPublic? knownAk, out ParsedEvidence? parsed)
    {
        parsed = null;
        if (!TpmsAttest.HasQuoteHeader(evidence.Attest))
        {
            return evidence.Attest.Length < 6
                ? VerificationOutcome.Fail(ReasonCode.QuoteMalformed, $"TPMS_ATTEST: {evidence.Attest.Length} bytes, too short for a header")
                : VerificationOutcome.Fail(ReasonCode.HeaderInvalid, "the quote does not start with TPM_GENERATED_VALUE and TPM_ST_ATTEST_QUOTE");
        }

        if (!TpmsAttest.TryParse(evidence.Attest, out TpmsAttest? attest, out string error))
        {
            return VerificationOutcome.Fail(ReasonCode.QuoteMalformed, error);
        }

        if (!TpmtSignature.TryParse(evidence.Signature, out TpmtSignature? signature, out error))
        {
            return VerificationOutcome.Fail(ReasonCode.SignatureMalformed, error);
        }

        TpmPublic? ak = knownAk;
        if (ak is null && !TpmPublic.TryParse(evidence.AkPublic, out ak, out error))
        {
            return VerificationOutcome.Fail(ReasonCode.AkMalformed, error);
        }

        if (!Tpm2ToolsPcrFile.TryParse(evidence.PcrValues, out PcrValues? pcrs, out error))
        {
            return VerificationOutcome.Fail(ReasonCode.PcrValuesMalformed, error);
        }

        EventLog? log = null;
        if (evidence.EventLog.Length > 0 && !EventLog.TryParse(evidence.EventLog, out log, out error))
        {
            return VerificationOutcome.Fail(ReasonCode.EventLogMalformed, error);
        }

        byte[]? cert = evidence.DeltaSigningCertificate is { Length: > 0 } der ? der : null;
        parsed = new ParsedEvidence(evidence.Attest, attest!, signature!, ak!, pcrs!, log, cert);
        return null;
    }

    /// <summary>An attestation key must be a restricted signing key that never left its TPM.</summary>
    public static VerificationOutcome? AkAttributes(TpmPublic ak)
    {
        if (!ak.HasTpmAttributes)
        {
            return null;
        }

        TpmObjectAttributes a = ak.Attributes;
        TpmObjectAttributes missing = TpmObjectAttributes.AttestationKeyRequired & ~a;
        if (missing != 0 || (a & TpmObjectAttributes.Decrypt) != 0)
        {
            return VerificationOutcome.Fail(ReasonCode.AkAttributesInvalid,
                $"attestation key attributes 0x{(uint)a:x8}: missing {missing}{((a & TpmObjectAttributes.Decrypt) != 0 ? ", and it can decrypt" : string.Empty)}");
        }

        return null;
    }

    /// <summary>No SHA-1 anywhere, nothing below the policy minimum, and the signature hash the AK's scheme fixes.</summary>
    public static VerificationOutcome? Algorithms(ParsedEvidence e, AttestationPolicy policy)
    {
        int min = Math.Max(AttestationPolicy.Strength(policy.MinimumHash), AttestationPolicy.Strength(TpmAlgId.Sha256));
        if (AttestationPolicy.Strength(e.Signature.Hash) < min)
        {
            return VerificationOutcome.Fail(ReasonCode.AlgorithmNotAllowed, $"signature hash {TpmHash.DisplayName(e.Signature.Hash)} is below {TpmHash.DisplayName(policy.MinimumHash)}");
        }

        if (e.Ak.HasTpmAttributes && AttestationPolicy.Strength(e.Ak.NameAlg) < min)
        {
            return VerificationOutcome.Fail(ReasonCode.AlgorithmNotAllowed, $"attestation key name algorithm {TpmHash.DisplayName(e.Ak.NameAlg)} is too weak");
        }

        if (e.Ak.HasTpmAttributes && e.Ak.Scheme != TpmAlgId.Null && e.Ak.SchemeHash != e.Signature.Hash)
        {
            return VerificationOutcome.Fail(ReasonCode.AlgorithmNotAllowed,
                $"signature hash {TpmHash.DisplayName(e.Signature.Hash)} differs from the key's scheme hash {TpmHash.DisplayName(e.Ak.SchemeHash)}");
        }

        foreach (PcrBankSelection bank in e.Attest.PcrSelect.Banks)
        {
            if (AttestationPolicy.Strength(bank.Hash) < min)
            {
                return VerificationOutcome.Fail(ReasonCode.AlgorithmNotAllowed, $"the quote covers the {TpmHash.DisplayName(bank.Hash)} bank, below {TpmHash.DisplayName(policy.MinimumHash)}");
            }
        }

        return null;
    }

    public static VerificationOutcome? Signature(ParsedEvidence e, TpmSignatureVerifier verifier)
    {
        if ((e.Signature.SigAlg == TpmAlgId.Ecdsa) != (verifier.Key.Type == TpmAlgId.Ecc))
        {
            return VerificationOutcome.Fail(ReasonCode.SignatureInvalid, $"a {e.Signature.SigAlg} signature cannot come from a {verifier.Key.Type} key");
        }

        return verifier.Verify(e.AttestBytes, e.Signature)
            ? null
            : VerificationOutcome.Fail(ReasonCode.SignatureInvalid, "the signature does not verify over the quote bytes with the attestation key");
    }

    public static VerificationOutcome? NonceShape(ReadOnlySpan<byte> extraData) =>
        extraData.Length < Nonces.MinimumBytes
            ? VerificationOutcome.Fail(ReasonCode.NonceTooShort, $"the quote's nonce is {extraData.Length * 8} bits, below {Nonces.MinimumBytes * 8}")
            : null;

    /// <summary>Selection exactly as the policy asks; values answering it and hashing to pcrDigest.</summary>
    public static VerificationOutcome? Pcrs(ParsedEvidence e, AttestationPolicy policy)
    {
        PcrSelection quoted = e.Attest.PcrSelect;
        if (policy.RequiredSelection is { } required && !SameSlots(required, quoted))
        {
            var want = required.Slots().ToHashSet();
            var got = quoted.Slots().ToHashSet();
            string missing = string.Join(",", want.Except(got).Select(s => $"{TpmHash.DisplayName(s.Hash)}:{s.Index}"));
            string extra = string.Join(",", got.Except(want).Select(s => $"{TpmHash.DisplayName(s.Hash)}:{s.Index}"));
            return VerificationOutcome.Fail(ReasonCode.PcrSelectionMismatch, $"quote selects {quoted}, policy requires {required} (missing [{missing}], extra [{extra}])");
        }

        if (!SameSlots(quoted, e.Pcrs.Selection))
        {
            return VerificationOutcome.Fail(ReasonCode.PcrDigestMismatch, $"the PCR values cover {e.Pcrs.Selection}, the quote {quoted}");
        }

        if (e.Attest.PcrDigest.Length != TpmHash.DigestSize(e.Signature.Hash)
            || !CryptographicOperations.FixedTimeEquals(e.Pcrs.ComputeDigest(e.Signature.Hash), e.Attest.PcrDigest))
        {
            return VerificationOutcome.Fail(ReasonCode.PcrDigestMismatch, "the PCR values do not hash to the quote's pcrDigest");
        }

        foreach ((TpmAlgId hash, int index) in quoted.Slots())
        {
            if (policy.AllowedPcrValues.TryGetValue((hash, index), out var allowed)
                && !allowed.Any(a => a.AsSpan().SequenceEqual(e.Pcrs[hash, index])))
            {
                return VerificationOutcome.Fail(ReasonCode.PcrValueNotAllowed,
                    $"{TpmHash.DisplayName(hash)} PCR {index} = {Convert.ToHexStringLower(e.Pcrs[hash, index])} is not an allowed value");
            }
        }

        return null;
    }

    /// <summary>The log replays to every quoted PCR; events and binaries are within the policy.</summary>
    public static VerificationOutcome? Log(ParsedEvidence e, AttestationPolicy policy)
    {
        if (e.Log is null)
        {
            return policy.RequireEventLog || policy.KeyBindingPcr is not null
                ? VerificationOutcome.Fail(ReasonCode.EventLogMissing, "the policy requires an event log")
                : null;
        }

        foreach (PcrBankSelection bank in e.Attest.PcrSelect.Banks)
        {
            if (!e.Log.TryReplay(bank.Hash, out byte[][] replayed, out string error))
            {
                return VerificationOutcome.Fail(ReasonCode.EventLogMismatch, error);
            }

            foreach (int index in bank.Indices)
            {
                if (!CryptographicOperations.FixedTimeEquals(replayed[index], e.Pcrs[bank.Hash, index]))
                {
                    return VerificationOutcome.Fail(ReasonCode.EventLogMismatch,
                        $"the event log replays {TpmHash.DisplayName(bank.Hash)} PCR {index} to {Convert.ToHexStringLower(replayed[index])}, the quote has {Convert.ToHexStringLower(e.Pcrs[bank.Hash, index])}");
                }
            }
        }

        // Only events on quoted PCRs are proven by the replay above; the others are ignored, never trusted.
        var quotedPcrs = e.Attest.PcrSelect.Slots().Select(s => s.Index).ToHashSet();
        for (int i = 0; i < e.Log.Events.Length; i++)
        {
            MeasurementEvent ev = e.Log.Events[i];
            if (!quotedPcrs.Contains(ev.Pcr) || ev.EventType == EventTypes.EvNoAction)
            {
                continue;
            }

            byte[]? sha256 = ev.Digests.GetValueOrDefault(TpmAlgId.Sha256);
            if (policy.AllowedBinaryHashes is { } binaries && AttestationPolicy.IsBinaryEvent(ev.EventType)
                && (sha256 is null || !binaries.Contains(Convert.ToHexStringLower(sha256))))
            {
                return VerificationOutcome.Fail(ReasonCode.BinaryNotAllowed, $"event {i} measures binary '{DataText(ev)}' with a hash not in allowedBinaryHashes");
            }

            foreach (EventRule rule in policy.EventRules)
            {
                if (rule.EventType == ev.EventType && rule.Name == DataText(ev)
                    && (sha256 is null || !rule.AllowedSha256.Any(a => a.AsSpan().SequenceEqual(sha256))))
                {
                    return VerificationOutcome.Fail(ReasonCode.EventNotAllowed, $"event {i} ({EventTypes.Name(ev.EventType)} '{rule.Name}') has a digest the policy does not allow");
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The last GREY_KEY_BINDING event on the binding PCR must carry H(SPKI) of the certificate presented.
    /// The replay check above already proved the event is in the quoted PCR.
    /// </summary>
    public static VerificationOutcome? Binding(ParsedEvidence e, AttestationPolicy policy, Func<byte[], DeltaKey?> resolve, out byte[]? boundHash, out string? keyId)
    {
        boundHash = null;
        keyId = null;
        if (policy.KeyBindingPcr is not int pcr)
        {
            return null;
        }

        if (!e.Attest.PcrSelect.Slots().Any(s => s.Index == pcr && s.Hash == TpmAlgId.Sha256) || e.Log is null)
        {
            return VerificationOutcome.Fail(ReasonCode.KeyBindingMissing, $"the quote does not cover sha256 PCR {pcr} with a log");
        }

        MeasurementEvent? binding = e.Log.Events.LastOrDefault(ev => ev.Pcr == pcr && ev.EventType == EventTypes.GreyKeyBinding);
        if (binding is null || !binding.Digests.TryGetValue(TpmAlgId.Sha256, out byte[]? bound))
        {
            return VerificationOutcome.Fail(ReasonCode.KeyBindingMissing, $"no GREY_KEY_BINDING event on PCR {pcr}");
        }

        if (e.DeltaCertificate is null)
        {
            return VerificationOutcome.Fail(ReasonCode.KeyBindingMismatch, "no delta-signing certificate was presented");
        }

        if (resolve(e.DeltaCertificate) is not { } presented)
        {
            return VerificationOutcome.Fail(ReasonCode.KeyBindingMismatch, "the delta-signing certificate does not parse");
        }

        if (!CryptographicOperations.FixedTimeEquals(presented.SpkiSha256, bound))
        {
            return VerificationOutcome.Fail(ReasonCode.KeyBindingMismatch, "the delta-signing certificate's key is not the key bound in the quote");
        }

        boundHash = presented.SpkiSha256;
        keyId = presented.KeyId;
        return null;
    }

    private static bool SameSlots(PcrSelection a, PcrSelection b) => a.Slots().SequenceEqual(b.Slots());

    private static string DataText(MeasurementEvent ev) => Encoding.UTF8.GetString(ev.Data);
}
