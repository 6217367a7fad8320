using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Attestation.Verification;

/// <summary>
/// How a node binds its delta-signing certificate to its TPM: it extends the key-binding PCR with
/// H(SubjectPublicKeyInfo DER) of the certificate (one digest per bank) and logs a GREY_KEY_BINDING event
/// whose data is that DER. Relying parties find the certificate by its key identifier.
/// </summary>
public static class KeyBinding
{
    /// <summary>The PCR Keylime and Grey use for the binding by default (a debug PCR, resettable only in locality 4).</summary>
    public const int DefaultPcr = 16;

    public static byte[] SubjectPublicKeyInfo(X509Certificate2 certificate) => certificate.PublicKey.ExportSubjectPublicKeyInfo();

    /// <summary>
    /// The key identifier: the certificate's SubjectKeyIdentifier extension when present, otherwise the
    /// leftmost 160 bits of SHA-256 over the subjectPublicKey bits (RFC 7093, method 1). Lower-case hex.
    /// </summary>
    public static string KeyIdentifier(X509Certificate2 certificate)
    {
        foreach (X509Extension ext in certificate.Extensions)
        {
            if (ext is X509SubjectKeyIdentifierExtension ski && ski.SubjectKeyIdentifier is { } id)
            {
                return id.ToLowerInvariant();
            }
        }

        byte[] hash = SHA256.HashData(certificate.PublicKey.EncodedKeyValue.RawData);
        return Convert.ToHexStringLower(hash.AsSpan(0, 20));
    }
}
