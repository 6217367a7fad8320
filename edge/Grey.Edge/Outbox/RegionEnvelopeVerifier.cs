using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Signing;

namespace Grey.Edge.Outbox;

/// <summary>
/// The trust a node holds for what its home region signs (acks, desired-state changes): a federation signed
/// envelope whose signer (named by subject key identifier, no certificate carried) must be one of the region's
/// signing certificates learned at enrollment, and that certificate must chain to the CA pinned at enrollment
/// (X509Chain with custom root trust, at the injected time, no revocation lookups: revocation of a region key is
/// a new enrollment). Only then is the signature checked (Grey.Federation's verifier). Shared by
/// <see cref="RegionAckVerifier"/> and <see cref="Desired.RegionDesiredVerifier"/> so both trust exactly alike.
/// </summary>
internal sealed class RegionEnvelopeVerifier
{
    private readonly X509Certificate2 pinnedCa;
    private readonly Func<IReadOnlyList<X509Certificate2>> regionCertificates;
    private readonly TimeProvider time;

    /// <param name="pinnedCa">The region signing CA pinned at enrollment.</param>
    /// <param name="regionCertificates">The region's current signing certificates (from enrollment); read on every verify so a renewal is picked up.</param>
    /// <param name="time">The clock the certificates' validity is checked at.</param>
    public RegionEnvelopeVerifier(X509Certificate2 pinnedCa, Func<IReadOnlyList<X509Certificate2>> regionCertificates, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(pinnedCa);
        ArgumentNullException.ThrowIfNull(regionCertificates);
        ArgumentNullException.ThrowIfNull(time);
        this.pinnedCa = pinnedCa;
        this.regionCertificates = regionCertificates;
        this.time = time;
    }

    /// <summary>
    /// Decodes the envelope (at most <paramref name="maxBytes"/>), checks its signer's certificate chain and the
    /// signature, and returns the signed content, or why it is not trusted. Never throws for bad input.
    /// </summary>
    public (ReadOnlyMemory<byte>? Content, string? Error) Verify(ReadOnlyMemory<byte> wire, int maxBytes)
    {
        if (wire.Length > maxBytes)
        {
            return (null, $"{wire.Length} bytes, at most {maxBytes}");
        }

        var envelope = SignedEnvelope.Decode(wire, maxBytes);
        if (!envelope.IsSuccess)
        {
            return (null, "envelope: " + envelope.Error.Message);
        }

        string? chainError = null;
        var check = envelope.Value.Verify(keyId =>
        {
            foreach (var cert in regionCertificates())
            {
                var ski = cert.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes;
                if (ski is { } id && id.Span.SequenceEqual(keyId.Span))
                {
                    chainError = ChainError(cert);
                    return chainError is null ? cert : null;
                }
            }

            return null;
        });
        if (!check.IsValid)
        {
            return (null, chainError is not null ? "signer certificate: " + chainError : $"signature: {check.Status} {check.Reason}");
        }

        return (envelope.Value.Content, null);
    }

    private string? ChainError(X509Certificate2 cert)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pinnedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (!chain.Build(cert))
        {
            return string.Join("; ", chain.ChainStatus.Select(s => s.Status + " " + s.StatusInformation.Trim()));
        }

        // The chain must end at the pinned CA itself, not at some other root the platform knows.
        var root = chain.ChainElements[^1].Certificate;
        return root.RawData.AsSpan().SequenceEqual(pinnedCa.RawData) ? null : "does not chain to the pinned CA";
    }
}
