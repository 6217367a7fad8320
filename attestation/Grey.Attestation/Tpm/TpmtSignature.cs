namespace Grey.Attestation.Tpm;

/// <summary>
/// TPMT_SIGNATURE (TPM 2.0 Part 2, 11.3.4) for the two schemes an attestation key uses: ECDSA (r and s as
/// TPM2B_ECC_PARAMETER) and RSASSA-PKCS1-v1_5 (one TPM2B_PUBLIC_KEY_RSA). Other schemes are refused.
/// </summary>
public sealed record TpmtSignature(TpmAlgId SigAlg, TpmAlgId Hash, byte[] R, byte[] S, byte[] RsaSignature)
{
    /// <summary>TPM2B_ECC_PARAMETER bound (P-521 is 66 bytes).</summary>
    public const int MaxEccParameterSize = 66;

    /// <summary>TPM2B_PUBLIC_KEY_RSA bound (RSA 4096).</summary>
    public const int MaxRsaSize = 512;

    public static TpmtSignature Ecdsa(TpmAlgId hash, byte[] r, byte[] s) => new(TpmAlgId.Ecdsa, hash, r, s, []);

    public static TpmtSignature RsaSsa(TpmAlgId hash, byte[] signature) => new(TpmAlgId.RsaSsa, hash, [], [], signature);

    public static bool TryParse(ReadOnlySpan<byte> bytes, out TpmtSignature? signature, out string error)
    {
        signature = null;
        error = string.Empty;
        try
        {
            signature = Parse(bytes);
            return true;
        }
        catch (TpmFormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    public static TpmtSignature Parse(ReadOnlySpan<byte> bytes)
    {
        var r = new TpmReader(bytes, "TPMT_SIGNATURE");
        TpmAlgId alg = r.Alg("sigAlg");
        TpmtSignature result;
        switch (alg)
        {
            case TpmAlgId.Ecdsa:
                {
                    TpmAlgId hash = r.HashAlg("signature.hash");
                    byte[] sr = r.Sized(MaxEccParameterSize, "signatureR").ToArray();
                    byte[] ss = r.Sized(MaxEccParameterSize, "signatureS").ToArray();
                    result = Ecdsa(hash, sr, ss);
                    break;
                }

            case TpmAlgId.RsaSsa:
                {
                    TpmAlgId hash = r.HashAlg("signature.hash");
                    byte[] sig = r.Sized(MaxRsaSize, "sig").ToArray();
                    result = RsaSsa(hash, sig);
                    break;
                }

            default:
                throw r.Error($"signature scheme 0x{(ushort)alg:x4} is not ECDSA or RSASSA");
        }

        r.End();
        return result;
    }

    public byte[] ToBytes()
    {
        var w = new TpmWriter();
        w.Alg(SigAlg).Alg(Hash);
        if (SigAlg == TpmAlgId.Ecdsa)
        {
            w.Sized(R).Sized(S);
        }
        else
        {
            w.Sized(RsaSignature);
        }

        return w.ToArray();
    }
}
