using System.Security.Cryptography;

namespace Grey.Attestation.Tpm;

/// <summary>
/// Verifies TPMT_SIGNATUREs made by one key over exact bytes. It holds the imported .NET key, so callers
/// that verify many quotes of one node keep one instance (disposable, not thread-safe for disposal only).
/// </summary>
public sealed class TpmSignatureVerifier : IDisposable
{
    private readonly ECDsa? _ecdsa;
    private readonly RSA? _rsa;
    private readonly int _coordinateSize;

    internal TpmSignatureVerifier(TpmPublic key)
    {
        Key = key;
        if (key.Type == TpmAlgId.Ecc)
        {
            _ecdsa = ECDsa.Create(key.ToEcParameters());
            _coordinateSize = TpmEccCurves.CoordinateSize(key.Curve);
        }
        else
        {
            _rsa = RSA.Create(key.ToRsaParameters());
        }
    }

    public TpmPublic Key { get; }

    /// <summary>True when the scheme fits the key and the signature verifies over H_sig.hash(message).</summary>
    public bool Verify(ReadOnlySpan<byte> message, TpmtSignature signature)
    {
        if (!TpmHash.IsHash(signature.Hash))
        {
            return false;
        }

        byte[] digest = TpmHash.Hash(signature.Hash, message);
        if (_ecdsa is not null)
        {
            if (signature.SigAlg != TpmAlgId.Ecdsa || signature.R.Length > _coordinateSize || signature.S.Length > _coordinateSize)
            {
                return false;
            }

            // Some TPMs strip leading zero bytes of r and s; the IEEE P1363 form needs them back.
            Span<byte> rs = stackalloc byte[2 * _coordinateSize];
            rs.Clear();
            signature.R.CopyTo(rs[(_coordinateSize - signature.R.Length)..]);
            signature.S.CopyTo(rs[(2 * _coordinateSize - signature.S.Length)..]);
            return _ecdsa.VerifyHash(digest, rs, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        if (signature.SigAlg != TpmAlgId.RsaSsa || signature.RsaSignature.Length != Key.RsaModulus.Length)
        {
            return false;
        }

        return _rsa!.VerifyHash(digest, signature.RsaSignature, TpmHash.Name(signature.Hash), RSASignaturePadding.Pkcs1);
    }

    public void Dispose()
    {
        _ecdsa?.Dispose();
        _rsa?.Dispose();
    }
}
