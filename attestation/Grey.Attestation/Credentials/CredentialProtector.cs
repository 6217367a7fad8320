using System.Security.Cryptography;
using Grey.Attestation.Randomness;
using Grey.Attestation.Tpm;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace Grey.Attestation.Credentials;

/// <summary>
/// MakeCredential and ActivateCredential (TPM 2.0 Part 1, 24: credential protection). A random seed is
/// protected to the EK (RSA EK: OAEP with the EK's name hash and label "IDENTITY\0"; ECC EK: one-pass ECDH
/// with an ephemeral key and KDFe "IDENTITY"), then symKey = KDFa(seed, "STORAGE", name), encIdentity =
/// AES-CFB(symKey, TPM2B credential), HMACkey = KDFa(seed, "INTEGRITY"), outerHMAC = HMAC(encIdentity ‖ name).
/// The activation side lives here too, for the software TPM; a real TPM does it in TPM2_ActivateCredential.
/// </summary>
public static class CredentialProtector
{
    /// <summary>The largest credential (TPM2B_DIGEST), i.e. the largest digest.</summary>
    public const int MaxCredentialSize = TpmHash.MaxDigestSize;

    public static CredentialChallenge MakeCredential(TpmPublic ek, ReadOnlySpan<byte> objectName, ReadOnlySpan<byte> credential, IRandomSource random)
    {
        if (credential.Length is 0 or > MaxCredentialSize)
        {
            throw new ArgumentException($"credential must be 1..{MaxCredentialSize} bytes", nameof(credential));
        }

        if ((ek.Attributes & (TpmObjectAttributes.Restricted | TpmObjectAttributes.Decrypt)) != (TpmObjectAttributes.Restricted | TpmObjectAttributes.Decrypt)
            || ek.SymmetricAlg != TpmAlgId.Aes)
        {
            throw new ArgumentException("the EK must be a restricted decryption (storage) key with an AES symmetric definition", nameof(ek));
        }

        TpmAlgId hash = ek.NameAlg;
        byte[] seed;
        byte[] encryptedSecret;
        if (ek.Type == TpmAlgId.Rsa)
        {
            seed = new byte[TpmHash.DigestSize(hash)];
            random.Fill(seed);
            encryptedSecret = OaepEncrypt(ek, hash, seed, random);
        }
        else
        {
            (seed, encryptedSecret) = EcdhSeed(ek, hash);
        }

        return Protect(ek, hash, seed, objectName, credential, encryptedSecret);
    }

    /// <summary>
    /// Recovers the credential with the EK's private key, checking the integrity HMAC over the object name
    /// first. Returns null when the blob was not made for this EK and this object (a failed activation).
    /// </summary>
    public static byte[]? ActivateCredential(TpmPublic ek, AsymmetricAlgorithm ekPrivate, ReadOnlySpan<byte> objectName, CredentialChallenge challenge)
    {
        TpmAlgId hash = ek.NameAlg;
        byte[]? seed;
        try
        {
            seed = ek.Type == TpmAlgId.Rsa
                ? OaepDecrypt((RSA)ekPrivate, hash, challenge.EncryptedSecret)
                : EcdhRecoverSeed(ek, (ECDiffieHellman)ekPrivate, hash, challenge.EncryptedSecret);
        }
        catch (Exception e) when (e is CryptographicException or TpmFormatException or Org.BouncyCastle.Crypto.InvalidCipherTextException or ArgumentException)
        {
            return null;
        }

        if (seed is null || seed.Length != TpmHash.DigestSize(hash))
        {
            return null;
        }

        try
        {
            var blob = new TpmReader(challenge.CredentialBlob, "TPM2B_ID_OBJECT");
            ReadOnlySpan<byte> integrity = blob.Sized(TpmHash.MaxDigestSize, "integrityHMAC");
            ReadOnlySpan<byte> encIdentity = blob.Bytes(blob.Remaining, "encIdentity");
            byte[] hmacKey = Kdf.KdfA(hash, seed, "INTEGRITY", [], [], TpmHash.DigestSize(hash) * 8);
            byte[] expected = TpmHash.Hmac(hash, hmacKey, [.. encIdentity, .. objectName]);
            if (!CryptographicOperations.FixedTimeEquals(expected, integrity))
            {
                return null;
            }

            byte[] symKey = Kdf.KdfA(hash, seed, "STORAGE", objectName, [], ek.SymmetricKeyBits);
            byte[] plain = AesCfb.Decrypt(symKey, encIdentity);
            var inner = new TpmReader(plain, "credential");
            byte[] credential = inner.Sized(MaxCredentialSize, "credential").ToArray();
            inner.End();
            return credential;
        }
        catch (TpmFormatException)
        {
            return null;
        }
    }

    private static CredentialChallenge Protect(TpmPublic ek, TpmAlgId hash, byte[] seed, ReadOnlySpan<byte> name, ReadOnlySpan<byte> credential, byte[] encryptedSecret)
    {
        byte[] symKey = Kdf.KdfA(hash, seed, "STORAGE", name, [], ek.SymmetricKeyBits);
        byte[] plain = new TpmWriter().Sized(credential).ToArray();
        byte[] encIdentity = AesCfb.Encrypt(symKey, plain);
        byte[] hmacKey = Kdf.KdfA(hash, seed, "INTEGRITY", [], [], TpmHash.DigestSize(hash) * 8);
        byte[] outerHmac = TpmHash.Hmac(hash, hmacKey, [.. encIdentity, .. name]);
        byte[] blob = new TpmWriter().Sized(outerHmac).Bytes(encIdentity).ToArray();
        return new CredentialChallenge(blob, encryptedSecret);
    }

    private static byte[] OaepEncrypt(TpmPublic ek, TpmAlgId hash, byte[] seed, IRandomSource random)
    {
        RSAParameters p = ek.ToRsaParameters();
        var key = new RsaKeyParameters(false, new BigInteger(1, p.Modulus), new BigInteger(1, p.Exponent));
        var oaep = new OaepEncoding(new RsaEngine(), Digest(hash), Digest(hash), "IDENTITY\0"u8.ToArray());
        byte[] entropy = new byte[32];
        random.Fill(entropy);
        var rng = SecureRandom.GetInstance("SHA256PRNG", autoSeed: false);
        rng.SetSeed(entropy);
        oaep.Init(true, new ParametersWithRandom(key, rng));
        return oaep.ProcessBlock(seed, 0, seed.Length);
    }

    private static byte[] OaepDecrypt(RSA ekPrivate, TpmAlgId hash, byte[] encrypted)
    {
        RSAParameters p = ekPrivate.ExportParameters(true);
        var key = new RsaPrivateCrtKeyParameters(
            new BigInteger(1, p.Modulus), new BigInteger(1, p.Exponent), new BigInteger(1, p.D), new BigInteger(1, p.P),
            new BigInteger(1, p.Q), new BigInteger(1, p.DP), new BigInteger(1, p.DQ), new BigInteger(1, p.InverseQ));
        var oaep = new OaepEncoding(new RsaEngine(), Digest(hash), Digest(hash), "IDENTITY\0"u8.ToArray());
        oaep.Init(false, key);
        return oaep.ProcessBlock(encrypted, 0, encrypted.Length);
    }

    private static (byte[] Seed, byte[] EncryptedSecret) EcdhSeed(TpmPublic ek, TpmAlgId hash)
    {
        ECCurve curve = TpmEccCurves.ToCurve(ek.Curve);
        using var ephemeral = ECDiffieHellman.Create(curve);
        using var ekKey = ECDiffieHellman.Create(ek.ToEcParameters());
        byte[] z = ephemeral.DeriveRawSecretAgreement(ekKey.PublicKey);
        ECParameters ep = ephemeral.ExportParameters(false);
        byte[] seed = Kdf.KdfE(hash, z, "IDENTITY", ep.Q.X, ek.EccX, TpmHash.DigestSize(hash) * 8);
        byte[] point = new TpmWriter().Sized(ep.Q.X).Sized(ep.Q.Y).ToArray();
        return (seed, point);
    }

    private static byte[] EcdhRecoverSeed(TpmPublic ek, ECDiffieHellman ekPrivate, TpmAlgId hash, byte[] encryptedSecret)
    {
        var r = new TpmReader(encryptedSecret, "TPMS_ECC_POINT");
        byte[] x = r.Sized(TpmtSignature.MaxEccParameterSize, "x").ToArray();
        byte[] y = r.Sized(TpmtSignature.MaxEccParameterSize, "y").ToArray();
        r.End();
        using var peer = ECDiffieHellman.Create(new ECParameters { Curve = TpmEccCurves.ToCurve(ek.Curve), Q = new ECPoint { X = x, Y = y } });
        byte[] z = ekPrivate.DeriveRawSecretAgreement(peer.PublicKey);
        return Kdf.KdfE(hash, z, "IDENTITY", x, ek.EccX, TpmHash.DigestSize(hash) * 8);
    }

    private static Org.BouncyCastle.Crypto.IDigest Digest(TpmAlgId hash) => hash switch
    {
        TpmAlgId.Sha1 => new Sha1Digest(),
        TpmAlgId.Sha256 => new Sha256Digest(),
        TpmAlgId.Sha384 => new Sha384Digest(),
        TpmAlgId.Sha512 => new Sha512Digest(),
        _ => throw new ArgumentOutOfRangeException(nameof(hash)),
    };
}
