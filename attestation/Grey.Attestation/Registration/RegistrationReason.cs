namespace Grey.Attestation.Registration;

/// <summary>Why the registrar refused a request. Stable names, like <see cref="Verification.ReasonCode"/>.</summary>
public enum RegistrationReason
{
    Accepted = 0,

    /// <summary>The node id does not match [a-z0-9][a-z0-9-]{0,62}.</summary>
    NodeIdInvalid = 1,

    /// <summary>The EK public area, AK public area or EK certificate did not parse.</summary>
    Malformed = 2,

    /// <summary>The EK certificate does not chain to a pinned manufacturer root.</summary>
    EkCertificateUntrusted = 3,

    /// <summary>A certificate of the EK chain is expired or not yet valid.</summary>
    EkCertificateNotValidNow = 4,

    /// <summary>The EK public key is not the key in the EK certificate.</summary>
    EkMismatch = 5,

    /// <summary>The EK is not a restricted decryption (storage) key with AES, so it cannot receive a credential.</summary>
    EkNotStorageKey = 6,

    /// <summary>The AK is not a restricted, fixedTPM signing key.</summary>
    AkAttributesInvalid = 7,

    /// <summary>A name or scheme hash below SHA-256.</summary>
    AlgorithmNotAllowed = 8,

    /// <summary>The node id is enrolled with another EK, EK certificate or AK: identity is immutable.</summary>
    IdentityConflict = 9,

    /// <summary>The EK is already enrolled under another node id.</summary>
    EkInUse = 10,

    /// <summary>The node or its EK is banned.</summary>
    Banned = 11,

    /// <summary>The node is revoked or disabled and cannot be enrolled again.</summary>
    NotEnabled = 12,

    /// <summary>No credential challenge is pending for the node.</summary>
    NoPendingChallenge = 13,

    /// <summary>The challenge expired before the answer came.</summary>
    ChallengeExpired = 14,

    /// <summary>The answer is not the credential: the AK is not in the TPM holding the EK.</summary>
    CredentialActivationFailed = 15,

    /// <summary>The registrar holds its maximum of nodes or pending challenges.</summary>
    CapacityReached = 16,

    /// <summary>The node is not enrolled.</summary>
    NodeUnknown = 17,

    /// <summary>The state change is not allowed (Revoked and Banned are final).</summary>
    TransitionNotAllowed = 18,
}
