namespace Grey.Attestation.Registration;

/// <summary>
/// What a node sends to enrol: its id, its EK (TPM2B_PUBLIC), its EK certificate (DER) with any
/// intermediate certificates (DER, leaf-to-root order), and its AK (TPM2B_PUBLIC).
/// </summary>
public sealed record EnrollmentRequest(
    string NodeId,
    byte[] EkPublic,
    byte[] EkCertificate,
    IReadOnlyList<byte[]> EkIntermediates,
    byte[] AkPublic);
