namespace Grey.Attestation.Tpm;

/// <summary>TPMA_OBJECT bits (TPM 2.0 Part 2, 8.3).</summary>
[Flags]
public enum TpmObjectAttributes : uint
{
    None = 0,
    FixedTpm = 1u << 1,
    StClear = 1u << 2,
    FixedParent = 1u << 4,
    SensitiveDataOrigin = 1u << 5,
    UserWithAuth = 1u << 6,
    AdminWithPolicy = 1u << 7,
    NoDa = 1u << 10,
    EncryptedDuplication = 1u << 11,
    Restricted = 1u << 16,
    Decrypt = 1u << 17,
    SignEncrypt = 1u << 18,

    /// <summary>What an attestation key must have: a key that never left this TPM and signs only TPM-made data.</summary>
    AttestationKeyRequired = FixedTpm | FixedParent | SensitiveDataOrigin | Restricted | SignEncrypt,
}
