namespace Grey.Attestation.Credentials;

/// <summary>
/// The output of TPM2_MakeCredential: <see cref="CredentialBlob"/> is the TPM2B_ID_OBJECT contents
/// (integrity HMAC as a TPM2B, then the encrypted TPM2B_DIGEST credential) and <see cref="EncryptedSecret"/>
/// the TPM2B_ENCRYPTED_SECRET contents (the seed under the EK: RSA-OAEP, or an ephemeral ECC point).
/// Only the TPM holding the EK, and holding a key with the named object, can recover the credential.
/// </summary>
public sealed record CredentialChallenge(byte[] CredentialBlob, byte[] EncryptedSecret);
