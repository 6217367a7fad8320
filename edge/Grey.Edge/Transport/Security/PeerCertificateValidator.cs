using System.Security.Cryptography.X509Certificates;

namespace Grey.Edge.Transport.Security;

/// <summary>
/// Checks a peer certificate against the site CA alone (never the machine's trust store) and, once the peer's
/// node id is known, that the certificate names it.
/// </summary>
internal static class PeerCertificateValidator
{
    /// <summary>Why <paramref name="certificate"/> does not chain to <paramref name="siteCa"/> at <paramref name="now"/>, or null.</summary>
    public static string? CheckChain(X509Certificate? certificate, X509Certificate2 siteCa, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(siteCa);
        if (certificate is null)
        {
            return "the peer presented no certificate";
        }

        using var owned = certificate as X509Certificate2 is null ? new X509Certificate2(certificate) : null;
        var cert = owned ?? (X509Certificate2)certificate;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(siteCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (!chain.Build(cert))
        {
            var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()));
            return $"certificate '{cert.Subject}' does not chain to the site CA ({status})";
        }

        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(siteCa.RawDataMemory.Span))
        {
            return $"certificate '{cert.Subject}' chains to '{root.Subject}', not to the site CA";
        }

        return null;
    }

    /// <summary>Why <paramref name="certificate"/> does not name <paramref name="expectedDnsName"/>, or null.</summary>
    public static string? CheckName(X509Certificate? certificate, string expectedDnsName)
    {
        if (certificate is null)
        {
            return "the peer presented no certificate";
        }

        using var owned = certificate as X509Certificate2 is null ? new X509Certificate2(certificate) : null;
        var cert = owned ?? (X509Certificate2)certificate;
        foreach (var extension in cert.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san
                && san.EnumerateDnsNames().Any(n => string.Equals(n, expectedDnsName, StringComparison.OrdinalIgnoreCase)))
            {
                return null;
            }
        }

        return $"certificate '{cert.Subject}' does not name {expectedDnsName} in its subject alternative names";
    }
}
