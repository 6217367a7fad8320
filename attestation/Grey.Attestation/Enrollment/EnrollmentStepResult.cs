namespace Grey.Attestation.Enrollment;

/// <summary>How one step of the <see cref="EnrollmentClient"/> ended.</summary>
public enum EnrollmentStepStatus
{
    /// <summary>Nothing was needed: the certificate and the attestation result are current.</summary>
    Current,

    /// <summary>The node enrolled (first time or renewal) and holds a fresh delta-signing certificate.</summary>
    Enrolled,

    /// <summary>The node attested and holds a fresh signed attestation result.</summary>
    Attested,

    /// <summary>The region refused (<see cref="EnrollmentStepResult.Code"/> is its reason code).</summary>
    Refused,

    /// <summary>No reply (no link, timeout, no responder) or the local TPM failed. Try again later.</summary>
    Unavailable,

    /// <summary>
    /// The region's reply failed this node's checks (<see cref="EnrollmentStepResult.Code"/>, one of
    /// <see cref="ClientRejectionCodes"/>): nothing of it was stored or trusted.
    /// </summary>
    Rejected,
}

/// <summary>What a client step did; <see cref="Code"/> names the reason of a refusal or rejection.</summary>
public sealed record EnrollmentStepResult(EnrollmentStepStatus Status, string Detail, string? Code = null)
{
    public bool Succeeded => Status is EnrollmentStepStatus.Current or EnrollmentStepStatus.Enrolled or EnrollmentStepStatus.Attested;

    public override string ToString() => Code is null ? $"{Status}: {Detail}" : $"{Status} ({Code}): {Detail}";
}

/// <summary>Why the client rejected a reply of its region.</summary>
public static class ClientRejectionCodes
{
    /// <summary>The reply did not decode, or is not an answer to the request sent.</summary>
    public const string ReplyMalformed = "reply-malformed";

    /// <summary>The region presented another CA than the one pinned (or configured).</summary>
    public const string CaMismatch = "ca-mismatch";

    /// <summary>A certificate of the reply does not chain to the CA, is not valid now, or is not for this node's key.</summary>
    public const string CertificateInvalid = "certificate-invalid";

    /// <summary>The TPM refused to activate the credential: the challenge was not made for this EK and AK.</summary>
    public const string ActivationFailed = "activation-failed";

    /// <summary>The signed attestation result does not verify with the region signing key, or names another node or key.</summary>
    public const string ResultInvalid = "result-invalid";

    /// <summary>The nonce reply asks for a PCR selection this node cannot parse.</summary>
    public const string SelectionInvalid = "selection-invalid";
}
