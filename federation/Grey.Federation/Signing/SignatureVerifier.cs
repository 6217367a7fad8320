using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Federation.Signing;

/// <summary>
/// Verifies a detached SignedData of the accepted profile over exact content bytes. The caller supplies
/// a lookup from subject key identifier to the signer's certificate (or null when unknown); trust in that
/// certificate (attestation, revocation) is the caller's decision, so only the signature is checked here.
/// </summary>
public static class SignatureVerifier
{
    /// <summary>Verifies; never throws for bad input.</summary>
    public static SignatureCheck Verify(ReadOnlySpan<byte> content, ReadOnlySpan<byte> signedData, Func<ReadOnlyMemory<byte>, X509Certificate2?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        if (!CmsProfile.TryParse(signedData, out byte[] keyId, out byte[] signature, out string error))
        {
            return new SignatureCheck(SignatureStatus.Malformed, ReadOnlyMemory<byte>.Empty, null, error);
        }

        X509Certificate2? cert = lookup(keyId);
        if (cert is null)
        {
            return new SignatureCheck(SignatureStatus.SignerUnknown, keyId, null, $"no certificate known for key id {Convert.ToHexString(keyId)}");
        }

        using ECDsa? key = cert.GetECDsaPublicKey();
        if (key is null || !KeyChecks.IsP256(key))
        {
            return new SignatureCheck(SignatureStatus.SignatureInvalid, keyId, cert, "the signer's certificate key is not ECDSA P-256");
        }

        byte[]? certKeyId = KeyChecks.SubjectKeyId(cert);
        if (certKeyId is not null && !certKeyId.AsSpan().SequenceEqual(keyId))
        {
            return new SignatureCheck(SignatureStatus.SignatureInvalid, keyId, cert, "the certificate found has another subject key identifier");
        }

        // The profile (CmsProfile: SHA-256, ecdsa-with-SHA256, no signed attributes) makes the CMS signature an ECDSA
        // signature over the content itself, so it is checked directly, as CMS would, without copying the content.
        bool valid;
        try
        {
            valid = key.VerifyData(content, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException e)
        {
            return new SignatureCheck(SignatureStatus.SignatureInvalid, keyId, cert, $"signature does not verify: {e.Message}");
        }

        return valid
            ? new SignatureCheck(SignatureStatus.Valid, keyId, cert, "valid")
            : new SignatureCheck(SignatureStatus.SignatureInvalid, keyId, cert, "signature does not verify");
    }
}
