namespace Grey.Attestation.Enrollment;

/// <summary>
/// The stable reason codes of a refusal on the wire. Besides these, a refusal carries the registrar's
/// reasons (<c>Registration.RegistrationReason</c> in kebab case, e.g. <c>identity-conflict</c>,
/// <c>ek-certificate-untrusted</c>) and the verifier's (<c>Verification.ReasonCode.ToCode()</c>, e.g.
/// <c>nonce-reused</c>) unchanged, so operators see the same code everywhere.
/// </summary>
public static class RefusalCodes
{
    /// <summary>The request did not decode (truncated, oversized, wrong shape, unknown type).</summary>
    public const string Malformed = "malformed";

    /// <summary>The message's version is neither the current nor the previous one.</summary>
    public const string UnsupportedVersion = "unsupported-version";

    /// <summary>A message of a type this subject does not take (e.g. a quote on the enroll subject).</summary>
    public const string UnexpectedMessage = "unexpected-message";

    /// <summary>The site named in the message is not the site of the subject it arrived on.</summary>
    public const string SiteMismatch = "site-mismatch";

    /// <summary>A first enrollment without a token, where the region requires one.</summary>
    public const string TokenMissing = "token-missing";

    /// <summary>The enrollment token is not one the region accepts.</summary>
    public const string TokenInvalid = "token-invalid";

    /// <summary>A first enrollment without a token whose EK is not in the region's allow-list.</summary>
    public const string EkNotAllowed = "ek-not-allowed";

    /// <summary>The delta-signing public key is not an ECDSA P-256 SubjectPublicKeyInfo.</summary>
    public const string DeltaKeyInvalid = "delta-key-invalid";

    /// <summary>The session id of an activation answer is not pending (never issued, answered, or forgotten).</summary>
    public const string SessionUnknown = "session-unknown";

    /// <summary>The enrollment session expired before the activation answer came.</summary>
    public const string SessionExpired = "session-expired";

    /// <summary>Too many pending sessions or nonces: try again later.</summary>
    public const string Busy = "busy";

    /// <summary>The node is not enrolled with this region.</summary>
    public const string NodeUnknown = "node-unknown";

    /// <summary>The node is enrolled for another site than the subject's.</summary>
    public const string WrongSite = "wrong-site";

    /// <summary>The delta-signing certificate of a quote response is not the one the region issued to the node.</summary>
    public const string CertificateUnknown = "certificate-unknown";

    /// <summary>The node is revoked, banned or disabled.</summary>
    public const string NodeNotEnabled = "node-not-enabled";

    /// <summary>The region failed to store the enrollment (disk full, I/O error): nothing was issued.</summary>
    public const string StorageFailed = "storage-failed";
}
