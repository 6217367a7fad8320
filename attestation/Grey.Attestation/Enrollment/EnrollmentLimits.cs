namespace Grey.Attestation.Enrollment;

/// <summary>
/// Every bound of the enrollment protocol, named in one place. Decoders check each declared length against
/// these before they allocate, so a hostile message costs at most <see cref="MaxMessageBytes"/> of memory.
/// </summary>
public static class EnrollmentLimits
{
    /// <summary>
    /// Largest protocol message: 1 MiB, the default <c>max_payload</c> of nats-server, so every message fits
    /// one NATS request. The event log is what makes a quote response large.
    /// </summary>
    public const int MaxMessageBytes = 1024 * 1024;

    /// <summary>Largest certificate (EK, EK intermediate, region CA, region signing, delta-signing): 8 KiB.</summary>
    public const int MaxCertificateBytes = 8 * 1024;

    /// <summary>Most EK intermediates in a request (the registrar's own bound).</summary>
    public const int MaxIntermediates = 4;

    /// <summary>Largest TPM2B_PUBLIC (EK or AK), as in <c>Tpm.TpmPublic</c>.</summary>
    public const int MaxTpmPublicBytes = 1024;

    /// <summary>Largest SubjectPublicKeyInfo of a delta-signing key (a P-256 key is 91 bytes).</summary>
    public const int MaxPublicKeyBytes = 512;

    /// <summary>Largest enrollment token, in UTF-8 bytes.</summary>
    public const int MaxTokenBytes = 256;

    /// <summary>Largest node, site or region id in UTF-8 bytes (ids are at most 63 characters; more is malformed).</summary>
    public const int MaxIdBytes = 64;

    /// <summary>Size of an enrollment session id: 128 random bits.</summary>
    public const int SessionIdBytes = 16;

    /// <summary>Largest credential blob (TPM2B_ID_OBJECT contents) or encrypted secret (TPM2B_ENCRYPTED_SECRET contents).</summary>
    public const int MaxCredentialBytes = 1024;

    /// <summary>Largest activated secret (the registrar's credential is 32 bytes; a TPM2B_DIGEST holds at most 64).</summary>
    public const int MaxSecretBytes = 64;

    /// <summary>Largest nonce (TPM2B_DATA in a quote holds at most 64 bytes).</summary>
    public const int MaxNonceBytes = 64;

    /// <summary>Largest PCR selection text (tpm2-tools syntax, e.g. <c>sha256:0,10,16</c>).</summary>
    public const int MaxSelectionTextBytes = 512;

    /// <summary>Largest TPMS_ATTEST, TPMT_SIGNATURE or PCR values blob of a quote response: 64 KiB.</summary>
    public const int MaxQuotePartBytes = 64 * 1024;

    /// <summary>Largest event log in a quote response: 768 KiB, so the whole response stays within <see cref="MaxMessageBytes"/>.</summary>
    public const int MaxEventLogBytes = 768 * 1024;

    /// <summary>Largest signed attestation result (the <c>Results.SignedEnvelope</c> wire).</summary>
    public const int MaxSignedResultBytes = 20 * 1024;

    /// <summary>Largest refusal reason code, in UTF-8 bytes.</summary>
    public const int MaxReasonCodeBytes = 64;

    /// <summary>Largest refusal message, in UTF-8 bytes (longer details are cut by the service, refused by the decoder).</summary>
    public const int MaxRefusalMessageBytes = 1024;
}
