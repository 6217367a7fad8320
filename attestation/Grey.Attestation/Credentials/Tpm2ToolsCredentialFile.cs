using Grey.Attestation.Tpm;

namespace Grey.Attestation.Credentials;

/// <summary>
/// The credential file of tpm2_makecredential / tpm2_activatecredential (tpm2-tools 5.x, checked against
/// real output): big-endian magic 0xBADCC0DE, version 1, then TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET.
/// </summary>
public static class Tpm2ToolsCredentialFile
{
    private const uint Magic = 0xBADCC0DE;

    public static byte[] Write(CredentialChallenge challenge) =>
        new TpmWriter().U32(Magic).U32(1).Sized(challenge.CredentialBlob).Sized(challenge.EncryptedSecret).ToArray();

    public static CredentialChallenge Parse(ReadOnlySpan<byte> bytes)
    {
        var r = new TpmReader(bytes, "credential file");
        if (r.U32("magic") != Magic || r.U32("version") != 1)
        {
            throw r.Error("not a tpm2-tools credential file (magic 0xBADCC0DE, version 1)");
        }

        byte[] blob = r.Sized(2 + TpmHash.MaxDigestSize + 2 + CredentialProtector.MaxCredentialSize, "credentialBlob").ToArray();
        byte[] secret = r.Sized(TpmtSignature.MaxRsaSize, "secret").ToArray();
        r.End();
        return new CredentialChallenge(blob, secret);
    }
}
