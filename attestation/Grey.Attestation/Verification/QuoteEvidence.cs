using Grey.Attestation.Pcr;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Verification;

/// <summary>
/// What a node sends in answer to a nonce: the exact TPMS_ATTEST bytes, the TPMT_SIGNATURE bytes, the
/// attestation key (TPM2B_PUBLIC), the PCR values (tpm2-tools serialized layout) and the event log bytes
/// (either format, may be empty), plus the DER of the delta-signing certificate the node claims to be bound.
/// Kept as bytes: the verifier parses everything itself, strictly.
/// </summary>
public sealed record QuoteEvidence(
    byte[] Attest,
    byte[] Signature,
    byte[] AkPublic,
    byte[] PcrValues,
    byte[] EventLog,
    byte[]? DeltaSigningCertificate = null);
