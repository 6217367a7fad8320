using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Federation.Signing;

/// <summary>
/// Signs canonical message bytes: CMS SignedData (System.Security.Cryptography.Pkcs), detached, ECDSA
/// P-256 with SHA-256, the signer named by the certificate's subject key identifier, no certificates
/// included; the result is brought to the one accepted profile (<see cref="CmsProfile"/>, low-S).
/// Signatures are randomized: the same bytes signed twice give different, equally valid signatures.
/// Not thread-safe: give each signing thread its own instance.
/// </summary>
public sealed class MessageSigner
{
    // Held for the signer's lifetime (a node's signer lives as long as its certificate); released with the signer.
    private readonly ECDsa _key;
    private readonly byte[] _keyId;

    /// <summary>
    /// Creates a signer from a certificate with an ECDSA P-256 private key and a subject key identifier
    /// extension. Throws <see cref="ArgumentException"/> otherwise.
    /// </summary>
    public MessageSigner(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("the signing certificate has no private key", nameof(certificate));
        }

        ECDsa? key = certificate.GetECDsaPrivateKey();
        if (key is null || !KeyChecks.IsP256(key))
        {
            key?.Dispose();
            throw new ArgumentException("the signing certificate's key is not ECDSA P-256", nameof(certificate));
        }

        _key = key;

        _keyId = KeyChecks.SubjectKeyId(certificate)
            ?? throw new ArgumentException("the signing certificate has no subject key identifier extension", nameof(certificate));
        Certificate = certificate;
    }

    /// <summary>The signing certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The subject key identifier that names this signer.</summary>
    public ReadOnlySpan<byte> KeyId => _keyId;

    /// <summary>Signs <paramref name="content"/>, returning the SignedData DER bytes (content detached).</summary>
    /// <remarks>
    /// The profile has no signed attributes, so its signature is ECDSA with SHA-256 over the content itself: it is
    /// computed directly with the key, which is what SignedCms computes for this profile, without SignedCms copying the
    /// content (a delta of a backlog is up to 1 MiB) and building a structure that is then re-encoded anyway.
    /// </remarks>
    public byte[] SignDetached(ReadOnlySpan<byte> content)
    {
        byte[] signature = _key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        byte[] profile = CmsProfile.Encode(_keyId, CmsProfile.NormalizeLowS(signature));
        if (!CmsProfile.TryParse(profile, out _, out _, out string error))
        {
            // The platform produced something outside the profile: a broken invariant, not bad input.
            throw new InvalidOperationException($"signing produced a SignedData outside the profile ({profile.Length} bytes): {error}");
        }

        return profile;
    }

    /// <summary>The same signature through SignedCms: kept for the test that proves the direct one is identical in kind.</summary>
    internal byte[] SignDetachedWithSignedCms(ReadOnlySpan<byte> content)
    {
        var signer = new CmsSigner(SubjectIdentifierType.SubjectKeyIdentifier, Certificate)
        {
            DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"),
            IncludeOption = X509IncludeOption.None,
        };
        var cms = new SignedCms(new ContentInfo(content.ToArray()), detached: true);
        cms.ComputeSignature(signer, silent: true);
        return CmsProfile.Encode(_keyId, CmsProfile.NormalizeLowS(ExtractSignature(cms)));
    }

    /// <summary>Signs <paramref name="content"/> and returns the signed envelope <c>[content, SignedData]</c>.</summary>
    public byte[] SignEnvelope(ReadOnlySpan<byte> content) => SignedEnvelope.Encode(content, SignDetached(content));

    private static byte[] ExtractSignature(SignedCms cms)
    {
        SignerInfo info = cms.SignerInfos[0];
        return info.GetSignature();
    }
}
