using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Federation.Signing;

/// <summary>Checks on signer keys and certificates shared by signing and verification.</summary>
internal static class KeyChecks
{
    private const string OidP256 = "1.2.840.10045.3.1.7";

    public static bool IsP256(ECDsa key)
    {
        ECParameters p = key.ExportParameters(includePrivateParameters: false);
        return p.Curve.IsNamed && (p.Curve.Oid.Value == OidP256 || p.Curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256");
    }

    public static byte[]? SubjectKeyId(X509Certificate2 certificate)
    {
        foreach (X509Extension ext in certificate.Extensions)
        {
            if (ext is X509SubjectKeyIdentifierExtension ski)
            {
                return ski.SubjectKeyIdentifierBytes.ToArray();
            }
        }

        return null;
    }
}
