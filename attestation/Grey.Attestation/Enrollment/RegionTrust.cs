using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Results;
using Grey.Attestation.Revocation;
using Grey.Federation;
using Grey.Federation.Encoding;
using Grey.Federation.Signing;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;
using FederationEnvelope = Grey.Federation.Signing.SignedEnvelope;

namespace Grey.Attestation.Enrollment;

/// <summary>Why a region-signed message was refused by <see cref="RegionTrust"/>.</summary>
public enum RegionTrustStatus
{
    Valid = 0,

    /// <summary>The envelope or its SignedData did not decode.</summary>
    Malformed = 1,

    /// <summary>The signer's key id is not the region signing certificate's.</summary>
    SignerUnknown = 2,

    /// <summary>The signature does not verify with the region signing certificate.</summary>
    SignatureInvalid = 3,

    /// <summary>The region signing certificate or the pinned CA is outside its validity at the injected time.</summary>
    CertificateExpired = 4,
}

/// <summary>The verdict on a region-signed envelope: on <see cref="RegionTrustStatus.Valid"/>, the signed content.</summary>
public sealed record RegionTrustResult(RegionTrustStatus Status, ReadOnlyMemory<byte> Content, string Detail)
{
    public bool IsValid => Status == RegionTrustStatus.Valid;
}

/// <summary>
/// What an edge node trusts from its region: the region signing certificate, chained (X509Chain with custom
/// root trust: the pinned region CA only, no OS store, no revocation fetch, validity at the injected time) to
/// the CA the node pinned at enrollment. It verifies acknowledgements and desired-state changes (federation
/// envelopes, CMS signed by the region signing key) and revocation notices (attestation envelopes signed by
/// the same key, issuer = the region id, sequence numbers rising). Revocation sequence state is kept here;
/// the <see cref="EnrollmentClient"/> persists it. Thread-safe.
/// </summary>
public sealed class RegionTrust
{
    private readonly TimeProvider _time;
    private readonly byte[] _signerKeyId;
    private readonly Lock _lock = new();
    private readonly RevocationNoticeValidator _notices;
    private readonly ECDsa _signingKey;
    private readonly DateTimeOffset _validFrom;
    private readonly DateTimeOffset _validUntil;

    private RegionTrust(string region, X509Certificate2 pinnedCa, X509Certificate2 regionSigningCertificate, TimeProvider time, ulong lastRevocationSequence, byte[] keyId, ECDsa key)
    {
        Region = region;
        PinnedCa = pinnedCa;
        RegionSigningCertificate = regionSigningCertificate;
        _time = time;
        _signerKeyId = keyId;
        _signingKey = key;
        _notices = new RevocationNoticeValidator(region, key, time, lastRevocationSequence);
        _validFrom = Max(regionSigningCertificate.NotBefore, pinnedCa.NotBefore);
        _validUntil = Min(regionSigningCertificate.NotAfter, pinnedCa.NotAfter);
    }

    /// <summary>The region id: the issuer id of its revocation notices and attestation results.</summary>
    public string Region { get; }

    /// <summary>The pinned region CA certificate.</summary>
    public X509Certificate2 PinnedCa { get; }

    /// <summary>The region signing certificate (public), chained to <see cref="PinnedCa"/>.</summary>
    public X509Certificate2 RegionSigningCertificate { get; }

    /// <summary>The highest revocation notice sequence number accepted (persist it across restarts).</summary>
    public ulong LastRevocationSequence
    {
        get
        {
            lock (_lock)
            {
                return _notices.LastAccepted;
            }
        }
    }

    /// <summary>
    /// Builds the trust when <paramref name="regionSigningCertificate"/> chains to <paramref name="pinnedCa"/>
    /// at the injected time, is an ECDSA P-256 key with a subject key identifier; otherwise false and why.
    /// </summary>
    public static bool TryCreate(string region, X509Certificate2 pinnedCa, X509Certificate2 regionSigningCertificate, TimeProvider time,
        ulong lastRevocationSequence, out RegionTrust? trust, out string error)
    {
        ArgumentNullException.ThrowIfNull(pinnedCa);
        ArgumentNullException.ThrowIfNull(regionSigningCertificate);
        ArgumentNullException.ThrowIfNull(time);
        trust = null;
        if (!ChainsTo(pinnedCa, regionSigningCertificate, time.GetUtcNow(), out error))
        {
            return false;
        }

        byte[]? keyId;
        ECDsa? key;
        try
        {
            keyId = regionSigningCertificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes.ToArray();
            key = regionSigningCertificate.GetECDsaPublicKey();
        }
        catch (CryptographicException e)
        {
            error = "the region signing certificate's key cannot be read: " + e.Message;
            return false;
        }

        if (keyId is null || key is null || key.ExportParameters(false).Curve.Oid?.Value != RegionCertificateAuthority.P256Oid)
        {
            key?.Dispose();
            error = "the region signing certificate is not an ECDSA P-256 key with a subject key identifier";
            return false;
        }

        var publicCert = X509CertificateLoader.LoadCertificate(regionSigningCertificate.RawData);
        trust = new RegionTrust(region, X509CertificateLoader.LoadCertificate(pinnedCa.RawData), publicCert, time, lastRevocationSequence, keyId, key);
        return true;
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to <paramref name="ca"/> alone (custom root trust, no OS
    /// store, no revocation checks, no downloads), with every certificate valid at <paramref name="at"/>.
    /// </summary>
    public static bool ChainsTo(X509Certificate2 ca, X509Certificate2 certificate, DateTimeOffset at, out string error)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        bool built;
        try
        {
            built = chain.Build(certificate);
        }
        catch (CryptographicException e)
        {
            // OpenSSL refuses some malformed certificates with an exception rather than a chain status.
            error = "the certificate cannot be checked: " + e.Message;
            return false;
        }

        if (!built)
        {
            error = "the certificate does not chain to the pinned region CA: "
                + string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}"));
            return false;
        }

        X509Certificate2 root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span))
        {
            error = "the chain ends at another root than the pinned region CA";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>
    /// Verifies a region-signed federation envelope (a signed ack on <c>grey.ack.&lt;site&gt;</c>, a desired-state
    /// change) and returns its content. Never throws for bad input.
    /// </summary>
    public RegionTrustResult VerifyEnvelope(ReadOnlyMemory<byte> wire, int maxContentBytes = FederationLimits.MaxDeltaBytes)
    {
        DecodeResult<FederationEnvelope> decoded = FederationEnvelope.Decode(wire, maxContentBytes);
        if (!decoded.IsSuccess)
        {
            return new RegionTrustResult(RegionTrustStatus.Malformed, ReadOnlyMemory<byte>.Empty, decoded.Error.ToString());
        }

        if (!CurrentlyValid(out string expired))
        {
            return new RegionTrustResult(RegionTrustStatus.CertificateExpired, ReadOnlyMemory<byte>.Empty, expired);
        }

        SignatureCheck check = decoded.Value.Verify(id => id.Span.SequenceEqual(_signerKeyId) ? RegionSigningCertificate : null);
        return check.Status switch
        {
            SignatureStatus.Valid => new RegionTrustResult(RegionTrustStatus.Valid, decoded.Value.Content, "valid"),
            SignatureStatus.SignerUnknown => new RegionTrustResult(RegionTrustStatus.SignerUnknown, ReadOnlyMemory<byte>.Empty, check.Reason),
            SignatureStatus.Malformed => new RegionTrustResult(RegionTrustStatus.Malformed, ReadOnlyMemory<byte>.Empty, check.Reason),
            _ => new RegionTrustResult(RegionTrustStatus.SignatureInvalid, ReadOnlyMemory<byte>.Empty, check.Reason),
        };
    }

    /// <summary>
    /// Accepts a revocation notice from <c>grey.revoke.&lt;site&gt;</c> (the <see cref="AttestationEnvelope"/>
    /// wire): signature by the region signing key, issuer = the region, unexpired, sequence above the last.
    /// </summary>
    public NoticeCheck VerifyRevocationNotice(ReadOnlySpan<byte> wire, out RevocationNotice? notice)
    {
        notice = null;
        if (!AttestationEnvelope.TryParse(wire, out AttestationEnvelope? envelope, out _))
        {
            return NoticeCheck.Malformed;
        }

        if (!CurrentlyValid(out _))
        {
            return NoticeCheck.SignatureInvalid;
        }

        lock (_lock)
        {
            return _notices.Accept(envelope!, out notice);
        }
    }

    /// <summary>Checks an attestation result issued to this node by the region (signature, expiry, node, key id).</summary>
    public ResultCheck CheckAttestationResult(AttestationEnvelope result, string nodeId, string deltaSigningKeyId, out AttestationResult? parsed)
    {
        ArgumentNullException.ThrowIfNull(result);
        return AttestationResultSigner.Check(result, _signingKey, _time, nodeId, deltaSigningKeyId, out parsed);
    }

    private bool CurrentlyValid(out string error)
    {
        DateTimeOffset now = _time.GetUtcNow();
        error = now < _validFrom || now > _validUntil
            ? $"the region signing certificate or the region CA is not valid at {now:u} (valid {_validFrom:u}..{_validUntil:u})"
            : string.Empty;
        return error.Length == 0;
    }

    private static DateTimeOffset Max(DateTime a, DateTime b) => new(a > b ? a.ToUniversalTime() : b.ToUniversalTime());

    private static DateTimeOffset Min(DateTime a, DateTime b) => new(a < b ? a.ToUniversalTime() : b.ToUniversalTime());
}
