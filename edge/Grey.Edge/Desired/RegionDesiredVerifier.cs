using System.Security.Cryptography.X509Certificates;
using Grey.Edge.Outbox;
using Grey.Federation.Messages;

namespace Grey.Edge.Desired;

/// <summary>
/// The real <see cref="IDesiredVerifier"/>: the same trust as the region's acks (<see cref="RegionEnvelopeVerifier"/>:
/// a region signing certificate chaining to the CA pinned at enrollment), then <see cref="DesiredChange.Decode"/>
/// (strict, canonical), then the change must name this site and the home region.
/// </summary>
internal sealed class RegionDesiredVerifier : IDesiredVerifier
{
    /// <summary>
    /// Largest signed change accepted: a 64 KiB value, a 256-byte key and the header, plus the CMS signature
    /// (about 200 bytes) and room to spare.
    /// </summary>
    public const int MaxSignedChangeBytes = Grey.Federation.FederationLimits.MaxValueBytes + 4096;

    private readonly RegionEnvelopeVerifier envelopes;
    private readonly string region;
    private readonly string site;

    /// <param name="pinnedCa">The region signing CA pinned at enrollment.</param>
    /// <param name="regionCertificates">The region's current signing certificates (from enrollment).</param>
    /// <param name="region">The site's home region: the only issuer accepted.</param>
    /// <param name="site">This site.</param>
    /// <param name="time">The clock the certificates' validity is checked at.</param>
    public RegionDesiredVerifier(X509Certificate2 pinnedCa, Func<IReadOnlyList<X509Certificate2>> regionCertificates, string region, string site, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(site);
        envelopes = new RegionEnvelopeVerifier(pinnedCa, regionCertificates, time);
        this.region = region;
        this.site = site;
    }

    /// <inheritdoc/>
    public DesiredVerification Verify(ReadOnlyMemory<byte> signedChange)
    {
        var (content, error) = envelopes.Verify(signedChange, MaxSignedChangeBytes);
        if (content is not { } bytes)
        {
            return DesiredVerification.Refused(DesiredRefusal.Signature, error!);
        }

        var decoded = DesiredChange.Decode(bytes);
        if (!decoded.IsSuccess)
        {
            return DesiredVerification.Refused(DesiredRefusal.Malformed, "desired change: " + decoded.Error.Message);
        }

        var change = decoded.Value;
        if (change.Site != site)
        {
            return DesiredVerification.Refused(DesiredRefusal.WrongSite, $"desired change {change.Region}#{change.Sequence} is for site {change.Site}, this is {site}");
        }

        if (change.Region != region)
        {
            return DesiredVerification.Refused(DesiredRefusal.WrongRegion, $"desired change {change.Region}#{change.Sequence} comes from region {change.Region}, the home region is {region}");
        }

        return DesiredVerification.Trusted(change);
    }
}
