namespace Grey.Attestation.Tpm;

/// <summary>TPM_ALG_ID values (TPM 2.0 Part 2, table 9) that Grey understands. Any other value is refused.</summary>
public enum TpmAlgId : ushort
{
    Rsa = 0x0001,
    Sha1 = 0x0004,
    Hmac = 0x0005,
    Aes = 0x0006,
    KeyedHash = 0x0008,
    Sha256 = 0x000B,
    Sha384 = 0x000C,
    Sha512 = 0x000D,
    Null = 0x0010,
    RsaSsa = 0x0014,
    RsaPss = 0x0016,
    Oaep = 0x0017,
    Ecdsa = 0x0018,
    Ecdh = 0x0019,
    Ecc = 0x0023,
    Cfb = 0x0043,
}
