using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// P-256 keys derived from a label, and RFC 6979 (deterministic) ECDSA signatures over certificates, for the
/// built-in development authorities only: every process that derives them gets byte-identical keys and
/// certificates, so a development edge and a development region agree without exchanging anything. .NET
/// cannot derive a key from a seed nor sign deterministically, hence BouncyCastle. Anyone can derive these
/// keys: they are insecure by construction and never used outside development mode.
/// </summary>
internal static class DeterministicEcdsa
{
    private static readonly X9ECParameters Curve = ECNamedCurveTable.GetByName("P-256");

    /// <summary>The private scalar for <paramref name="label"/>: SHA-256 of it, reduced into [1, n-1].</summary>
    public static BigInteger Scalar(string label)
    {
        byte[] digest = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(label));
        return new BigInteger(1, digest).Mod(Curve.N.Subtract(BigInteger.One)).Add(BigInteger.One);
    }

    /// <summary>A .NET key holding the derived private scalar and its public point.</summary>
    public static ECDsa CreateKey(BigInteger d)
    {
        Org.BouncyCastle.Math.EC.ECPoint q = Curve.G.Multiply(d).Normalize();
        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = d.ToByteArrayUnsigned().PadLeft(32),
            Q = new ECPoint { X = q.AffineXCoord.GetEncoded().PadLeft(32), Y = q.AffineYCoord.GetEncoded().PadLeft(32) },
        };
        var key = ECDsa.Create();
        key.ImportParameters(parameters);
        return key;
    }

    private static byte[] PadLeft(this byte[] value, int size)
    {
        if (value.Length >= size)
        {
            return value;
        }

        byte[] padded = new byte[size];
        value.CopyTo(padded, size - value.Length);
        return padded;
    }

    /// <summary>A certificate signature generator that signs with RFC 6979 nonces, so the same input gives the same certificate.</summary>
    public sealed class Generator(ECDsa key, BigInteger d) : X509SignatureGenerator
    {
        private readonly X509SignatureGenerator _platform = CreateForECDsa(key);

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => _platform.GetSignatureAlgorithmIdentifier(hashAlgorithm);

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
        {
            if (hashAlgorithm != HashAlgorithmName.SHA256)
            {
                throw new ArgumentException("development certificates are signed with SHA-256 only", nameof(hashAlgorithm));
            }

            var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
            signer.Init(true, new ECPrivateKeyParameters(d, new ECDomainParameters(Curve)));
            BigInteger[] rs = signer.GenerateSignature(SHA256.HashData(data));
            var asn = new AsnWriter(AsnEncodingRules.DER);
            using (asn.PushSequence())
            {
                asn.WriteIntegerUnsigned(rs[0].ToByteArrayUnsigned());
                asn.WriteIntegerUnsigned(rs[1].ToByteArrayUnsigned());
            }

            return asn.Encode();
        }

        protected override PublicKey BuildPublicKey() => _platform.PublicKey;
    }
}
