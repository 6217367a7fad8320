using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Attestation.Tpm;

/// <summary>
/// TPMT_PUBLIC (TPM 2.0 Part 2, 12.2.4) for RSA and ECC keys, as carried in a TPM2B_PUBLIC: the type, name
/// algorithm, object attributes, policy, parameters and public point or modulus. The object's
/// <see cref="Name"/> is nameAlg ‖ H_nameAlg(public area), which is what credential activation binds to.
/// </summary>
public sealed class TpmPublic
{
    /// <summary>The largest TPM2B_PUBLIC accepted (an RSA-4096 key with a SHA-512 policy fits well below).</summary>
    public const int MaxSize = 1024;

    private TpmPublic(byte[] area, TpmAlgId type, TpmAlgId nameAlg, TpmObjectAttributes attributes)
    {
        PublicArea = area;
        Type = type;
        NameAlg = nameAlg;
        Attributes = attributes;
    }

    /// <summary>The marshalled TPMT_PUBLIC (without the TPM2B size), exactly as parsed or built.</summary>
    public byte[] PublicArea { get; }

    public TpmAlgId Type { get; }

    public TpmAlgId NameAlg { get; }

    public TpmObjectAttributes Attributes { get; }

    public byte[] AuthPolicy { get; private init; } = [];

    /// <summary>Symmetric algorithm of a storage key (AES for an EK), or Null.</summary>
    public TpmAlgId SymmetricAlg { get; private init; } = TpmAlgId.Null;

    public ushort SymmetricKeyBits { get; private init; }

    public TpmAlgId SymmetricMode { get; private init; } = TpmAlgId.Null;

    /// <summary>Signing or encryption scheme (ECDSA, RSASSA, ...) or Null.</summary>
    public TpmAlgId Scheme { get; private init; } = TpmAlgId.Null;

    public TpmAlgId SchemeHash { get; private init; } = TpmAlgId.Null;

    public ushort RsaKeyBits { get; private init; }

    public uint RsaExponent { get; private init; }

    public byte[] RsaModulus { get; private init; } = [];

    public TpmEccCurve Curve { get; private init; }

    public byte[] EccX { get; private init; } = [];

    public byte[] EccY { get; private init; } = [];

    /// <summary>False for a key that came from a PEM file: then no TPM attributes are known.</summary>
    public bool HasTpmAttributes { get; private init; } = true;

    /// <summary>TPM2B_NAME contents: nameAlg (u16) ‖ H_nameAlg(TPMT_PUBLIC).</summary>
    public byte[] Name
    {
        get
        {
            byte[] digest = TpmHash.Hash(NameAlg, PublicArea);
            byte[] name = new byte[2 + digest.Length];
            name[0] = (byte)((ushort)NameAlg >> 8);
            name[1] = (byte)NameAlg;
            digest.CopyTo(name, 2);
            return name;
        }
    }

    /// <summary>The TPM2B_PUBLIC bytes (u16 size ‖ TPMT_PUBLIC).</summary>
    public byte[] ToBytes() => new TpmWriter().Sized(PublicArea).ToArray();

    public static bool TryParse(ReadOnlySpan<byte> tpm2bPublic, out TpmPublic? key, out string error)
    {
        key = null;
        error = string.Empty;
        try
        {
            key = Parse(tpm2bPublic);
            return true;
        }
        catch (TpmFormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>Parses a TPM2B_PUBLIC strictly (the inner size must match the area exactly).</summary>
    public static TpmPublic Parse(ReadOnlySpan<byte> tpm2bPublic)
    {
        if (tpm2bPublic.Length > MaxSize)
        {
            throw new TpmFormatException($"TPM2B_PUBLIC: {tpm2bPublic.Length} bytes, above the maximum of {MaxSize}");
        }

        var outer = new TpmReader(tpm2bPublic, "TPM2B_PUBLIC");
        ReadOnlySpan<byte> area = outer.Sized(MaxSize, "publicArea");
        outer.End();
        return ParseArea(area);
    }

    /// <summary>Parses a bare TPMT_PUBLIC.</summary>
    public static TpmPublic ParseArea(ReadOnlySpan<byte> area)
    {
        var r = new TpmReader(area, "TPMT_PUBLIC");
        TpmAlgId type = r.Alg("type");
        if (type is not (TpmAlgId.Rsa or TpmAlgId.Ecc))
        {
            throw r.Error($"key type 0x{(ushort)type:x4} is not RSA or ECC");
        }

        TpmAlgId nameAlg = r.HashAlg("nameAlg");
        var attributes = (TpmObjectAttributes)r.U32("objectAttributes");
        byte[] policy = r.Sized(TpmHash.MaxDigestSize, "authPolicy").ToArray();
        TpmAlgId sym = r.Alg("symmetric.algorithm");
        ushort symBits = 0;
        TpmAlgId symMode = TpmAlgId.Null;
        if (sym != TpmAlgId.Null)
        {
            if (sym != TpmAlgId.Aes)
            {
                throw r.Error($"symmetric algorithm 0x{(ushort)sym:x4} is not AES or NULL");
            }

            symBits = r.U16("symmetric.keyBits");
            symMode = r.Alg("symmetric.mode");
            if (symBits is not (128 or 192 or 256) || symMode != TpmAlgId.Cfb)
            {
                throw r.Error($"symmetric AES-{symBits} mode 0x{(ushort)symMode:x4} is not AES-128/192/256 CFB");
            }
        }

        TpmAlgId scheme = r.Alg("scheme.scheme");
        TpmAlgId schemeHash = TpmAlgId.Null;
        if (scheme != TpmAlgId.Null)
        {
            bool ok = type == TpmAlgId.Rsa
                ? scheme is TpmAlgId.RsaSsa or TpmAlgId.RsaPss or TpmAlgId.Oaep
                : scheme is TpmAlgId.Ecdsa or TpmAlgId.Ecdh;
            if (!ok)
            {
                throw r.Error($"scheme 0x{(ushort)scheme:x4} is not supported for this key type");
            }

            schemeHash = r.HashAlg("scheme.hashAlg");
        }

        TpmPublic key;
        if (type == TpmAlgId.Rsa)
        {
            ushort bits = r.U16("keyBits");
            uint exponent = r.U32("exponent");
            byte[] modulus = r.Sized(TpmtSignature.MaxRsaSize, "unique.rsa").ToArray();
            if (bits is not (1024 or 2048 or 3072 or 4096) || modulus.Length * 8 != bits)
            {
                throw r.Error($"RSA key of {bits} bits with a {modulus.Length}-byte modulus");
            }

            if (exponent != 0 && (exponent < 3 || exponent % 2 == 0))
            {
                throw r.Error($"RSA exponent {exponent} is invalid");
            }

            key = new TpmPublic(area.ToArray(), type, nameAlg, attributes)
            {
                AuthPolicy = policy, SymmetricAlg = sym, SymmetricKeyBits = symBits, SymmetricMode = symMode,
                Scheme = scheme, SchemeHash = schemeHash, RsaKeyBits = bits, RsaExponent = exponent, RsaModulus = modulus,
            };
        }
        else
        {
            ushort curveRaw = r.U16("curveID");
            if (!Enum.IsDefined(typeof(TpmEccCurve), curveRaw))
            {
                throw r.Error($"curve 0x{curveRaw:x4} is not NIST P-256, P-384 or P-521");
            }

            var curve = (TpmEccCurve)curveRaw;
            TpmAlgId kdf = r.Alg("kdf.scheme");
            if (kdf != TpmAlgId.Null)
            {
                throw r.Error($"kdf scheme 0x{(ushort)kdf:x4} is not NULL");
            }

            int size = TpmEccCurves.CoordinateSize(curve);
            byte[] x = r.Sized(TpmtSignature.MaxEccParameterSize, "unique.x").ToArray();
            byte[] y = r.Sized(TpmtSignature.MaxEccParameterSize, "unique.y").ToArray();
            if (x.Length != size || y.Length != size)
            {
                throw r.Error($"ECC point coordinates of {x.Length} and {y.Length} bytes for a {size}-byte curve");
            }

            key = new TpmPublic(area.ToArray(), type, nameAlg, attributes)
            {
                AuthPolicy = policy, SymmetricAlg = sym, SymmetricKeyBits = symBits, SymmetricMode = symMode,
                Scheme = scheme, SchemeHash = schemeHash, Curve = curve, EccX = x, EccY = y,
            };
        }

        r.End();
        return key;
    }

    /// <summary>Builds the public area of an ECC key (used by the software TPM).</summary>
    public static TpmPublic ForEcc(
        ECParameters parameters, TpmObjectAttributes attributes, TpmAlgId scheme, TpmAlgId schemeHash,
        TpmAlgId nameAlg = TpmAlgId.Sha256, byte[]? authPolicy = null, ushort symmetricBits = 0)
    {
        if (!TpmEccCurves.TryFromOid(parameters.Curve.Oid?.Value, out TpmEccCurve curve))
        {
            throw new ArgumentException("only NIST P-256, P-384 and P-521 keys", nameof(parameters));
        }

        var w = new TpmWriter();
        w.Alg(TpmAlgId.Ecc).Alg(nameAlg).U32((uint)attributes).Sized(authPolicy ?? []);
        WriteSymmetric(w, symmetricBits);
        w.Alg(scheme);
        if (scheme != TpmAlgId.Null)
        {
            w.Alg(schemeHash);
        }

        w.U16((ushort)curve).Alg(TpmAlgId.Null).Sized(parameters.Q.X).Sized(parameters.Q.Y);
        return ParseArea(w.ToArray());
    }

    /// <summary>Builds the public area of an RSA key (used by the software TPM).</summary>
    public static TpmPublic ForRsa(
        RSAParameters parameters, TpmObjectAttributes attributes, TpmAlgId scheme, TpmAlgId schemeHash,
        TpmAlgId nameAlg = TpmAlgId.Sha256, byte[]? authPolicy = null, ushort symmetricBits = 0)
    {
        byte[] modulus = parameters.Modulus ?? throw new ArgumentException("no modulus", nameof(parameters));
        byte[] e = parameters.Exponent ?? throw new ArgumentException("no exponent", nameof(parameters));
        uint exponent = 0;
        foreach (byte b in e)
        {
            exponent = (exponent << 8) | b;
        }

        var w = new TpmWriter();
        w.Alg(TpmAlgId.Rsa).Alg(nameAlg).U32((uint)attributes).Sized(authPolicy ?? []);
        WriteSymmetric(w, symmetricBits);
        w.Alg(scheme);
        if (scheme != TpmAlgId.Null)
        {
            w.Alg(schemeHash);
        }

        // The TPM writes 0 for the default exponent 65537.
        w.U16((ushort)(modulus.Length * 8)).U32(exponent == 65537 ? 0 : exponent).Sized(modulus);
        return ParseArea(w.ToArray());
    }

    /// <summary>Reads a PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"), as tpm2-tools writes with <c>-f pem</c>.</summary>
    public static bool TryFromPem(string pem, out TpmPublic? key, out string error)
    {
        key = null;
        error = string.Empty;
        try
        {
            if (!pem.Contains("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal))
            {
                error = "PEM: no BEGIN PUBLIC KEY block";
                return false;
            }

            try
            {
                using var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                ECParameters p = ec.ExportParameters(false);
                key = WithoutAttributes(ForEcc(p, TpmObjectAttributes.None, TpmAlgId.Null, TpmAlgId.Null));
                return true;
            }
            catch (CryptographicException)
            {
                using var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                key = WithoutAttributes(ForRsa(rsa.ExportParameters(false), TpmObjectAttributes.None, TpmAlgId.Null, TpmAlgId.Null));
                return true;
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or TpmFormatException)
        {
            error = "PEM: " + e.Message;
            return false;
        }
    }

    private static TpmPublic WithoutAttributes(TpmPublic k) => new(k.PublicArea, k.Type, k.NameAlg, k.Attributes)
    {
        Curve = k.Curve, EccX = k.EccX, EccY = k.EccY, RsaKeyBits = k.RsaKeyBits, RsaExponent = k.RsaExponent,
        RsaModulus = k.RsaModulus, HasTpmAttributes = false,
    };

    public ECParameters ToEcParameters()
    {
        if (Type != TpmAlgId.Ecc)
        {
            throw new InvalidOperationException("not an ECC key");
        }

        return new ECParameters { Curve = TpmEccCurves.ToCurve(Curve), Q = new ECPoint { X = EccX, Y = EccY } };
    }

    public RSAParameters ToRsaParameters()
    {
        if (Type != TpmAlgId.Rsa)
        {
            throw new InvalidOperationException("not an RSA key");
        }

        uint e = RsaExponent == 0 ? 65537 : RsaExponent;
        byte[] exponent = e <= 0xFFFFFF ? [(byte)(e >> 16), (byte)(e >> 8), (byte)e] : [(byte)(e >> 24), (byte)(e >> 16), (byte)(e >> 8), (byte)e];
        return new RSAParameters { Modulus = RsaModulus, Exponent = exponent };
    }

    /// <summary>True when this key and the certificate's key are the same public key.</summary>
    public bool MatchesCertificateKey(X509Certificate2 certificate)
    {
        if (Type == TpmAlgId.Ecc)
        {
            using ECDsa? ec = certificate.GetECDsaPublicKey();
            using ECDiffieHellman? dh = ec is null ? certificate.GetECDiffieHellmanPublicKey() : null;
            ECParameters? p = ec?.ExportParameters(false) ?? dh?.ExportParameters(false);
            return p is { } q && q.Q.X is not null && q.Q.Y is not null && q.Q.X.AsSpan().SequenceEqual(EccX) && q.Q.Y.AsSpan().SequenceEqual(EccY);
        }

        using RSA? rsa = certificate.GetRSAPublicKey();
        if (rsa is null)
        {
            return false;
        }

        RSAParameters rp = rsa.ExportParameters(false);
        RSAParameters mine = ToRsaParameters();
        return rp.Modulus.AsSpan().SequenceEqual(mine.Modulus) && TrimZeros(rp.Exponent).SequenceEqual(TrimZeros(mine.Exponent));
    }

    /// <summary>Creates a verifier holding the .NET key, to be cached per node (key import is the slow part).
    /// Throws <see cref="CryptographicException"/> for a point off the curve; see <see cref="TryCreateVerifier"/>.</summary>
    public TpmSignatureVerifier CreateVerifier() => new(this);

    /// <summary>Creates a verifier, or explains why the key cannot be imported (an ECC point off its curve, a bad modulus).</summary>
    public bool TryCreateVerifier(out TpmSignatureVerifier? verifier, out string error)
    {
        error = string.Empty;
        try
        {
            verifier = new TpmSignatureVerifier(this);
            return true;
        }
        catch (CryptographicException e)
        {
            verifier = null;
            error = "the key cannot be imported: " + e.Message;
            return false;
        }
    }

    private static ReadOnlySpan<byte> TrimZeros(byte[]? b)
    {
        ReadOnlySpan<byte> s = b;
        while (s.Length > 0 && s[0] == 0)
        {
            s = s[1..];
        }

        return s;
    }

    private static void WriteSymmetric(TpmWriter w, ushort symmetricBits)
    {
        if (symmetricBits == 0)
        {
            w.Alg(TpmAlgId.Null);
        }
        else
        {
            w.Alg(TpmAlgId.Aes).U16(symmetricBits).Alg(TpmAlgId.Cfb);
        }
    }
}
