using Grey.Attestation.Registration;

namespace Grey.Attestation.Attesters;

/// <summary>The TPM's identity as enrolment needs it: EK (TPM2B_PUBLIC), EK certificate and intermediates (DER), AK (TPM2B_PUBLIC).</summary>
public sealed record AttesterIdentity(byte[] EkPublic, byte[] EkCertificate, IReadOnlyList<byte[]> EkIntermediates, byte[] AkPublic)
{
    public EnrollmentRequest ToEnrollmentRequest(string nodeId) => new(nodeId, EkPublic, EkCertificate, EkIntermediates, AkPublic);
}
