using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grey.Attestation.Registration;

/// <summary>
/// Builds the EK certificate chain to one of the pinned manufacturer roots, at the injected time, checking
/// every signature and every validity period (Keylime checks only the direct issuer, without dates).
/// Revocation lists are not fetched: the machine may be offline; a registrar bans an EK instead.
/// </summary>
public sealed class EkCertificateValidator
{
    /// <summary>The most intermediates accepted with one EK certificate.</summary>
    public const int MaxIntermediates = 4;

    private readonly X509Certificate2Collection _roots;
    private readonly TimeProvider _time;

    private readonly X509Certificate2[] _knownIntermediates;

    public EkCertificateValidator(IEnumerable<X509Certificate2> pinnedRoots, TimeProvider time, IEnumerable<X509Certificate2>? knownIntermediates = null)
    {
        _knownIntermediates = knownIntermediates?.ToArray() ?? [];
        _roots = [.. pinnedRoots];
        if (_roots.Count == 0)
        {
            throw new ArgumentException("at least one pinned manufacturer root", nameof(pinnedRoots));
        }

        _time = time;
    }

    public RegistrationReason Validate(X509Certificate2 ek, IReadOnlyList<X509Certificate2> intermediates, out ImmutableArray<X509Certificate2> chain, out string detail)
    {
        chain = [];
        detail = string.Empty;
        if (intermediates.Count > MaxIntermediates)
        {
            detail = $"{intermediates.Count} intermediates, above {MaxIntermediates}";
            return RegistrationReason.EkCertificateUntrusted;
        }

        DateTimeOffset now = _time.GetUtcNow();
        using var builder = new X509Chain();
        builder.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        builder.ChainPolicy.CustomTrustStore.AddRange(_roots);
        builder.ChainPolicy.ExtraStore.AddRange(intermediates.ToArray());
        builder.ChainPolicy.ExtraStore.AddRange(_knownIntermediates);
        builder.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        builder.ChainPolicy.VerificationTime = now.UtcDateTime;
        builder.ChainPolicy.VerificationTimeIgnored = false;
        builder.ChainPolicy.DisableCertificateDownloads = true;

        // EK certificates carry TCG-specific critical extensions (subject alternative name with TPM
        // attributes) and an EKU of 2.23.133.8.1; neither is a reason to distrust them.
        builder.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreWrongUsage | X509VerificationFlags.IgnoreInvalidPolicy;
        bool built;
        try
        {
            built = builder.Build(ek);
        }
        catch (CryptographicException e)
        {
            detail = e.Message;
            return RegistrationReason.EkCertificateUntrusted;
        }

        X509ChainStatusFlags flags = builder.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (a, s) => a | s.Status);
        bool timeBad = (flags & X509ChainStatusFlags.NotTimeValid) != 0;
        X509ChainStatusFlags ignorable = X509ChainStatusFlags.NotTimeValid;
        var elements = builder.ChainElements.Select(e => e.Certificate).ToImmutableArray();
        bool rootPinned = elements.Length > 0 && _roots.Any(r => r.RawDataMemory.Span.SequenceEqual(elements[^1].RawDataMemory.Span));
        if ((flags & ~ignorable) != 0 || !rootPinned || (!built && !timeBad))
        {
            detail = $"chain status {flags}";
            return RegistrationReason.EkCertificateUntrusted;
        }

        // Checked by hand as well, so that the verdict never depends on how a platform reports time errors.
        foreach (X509Certificate2 c in elements)
        {
            if (now < new DateTimeOffset(c.NotBefore.ToUniversalTime()) || now > new DateTimeOffset(c.NotAfter.ToUniversalTime()))
            {
                timeBad = true;
                detail = $"'{c.Subject}' is valid {c.NotBefore:u}..{c.NotAfter:u}, not at {now:u}";
            }
        }

        if (timeBad)
        {
            if (detail.Length == 0)
            {
                detail = "a certificate of the chain is outside its validity period";
            }

            return RegistrationReason.EkCertificateNotValidNow;
        }

        chain = elements;
        return RegistrationReason.Accepted;
    }
}
