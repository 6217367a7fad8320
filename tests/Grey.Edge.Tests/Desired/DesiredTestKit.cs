using System.Security.Cryptography.X509Certificates;
using Grey.Edge.Desired;
using Grey.Edge.Tests.Outbox.Support;
using Grey.Federation.Clock;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Edge.Tests.Desired;

/// <summary>
/// A region's desired-change issuer for edge tests: a region CA and a signing certificate it issued (the key the
/// region signs its acks with), changes numbered per site, signed as the region daemon signs them.
/// </summary>
internal sealed class DesiredTestKit
{
    public DesiredTestKit(string region = "eu-1")
    {
        Region = region;
        (Ca, Leaf) = TestRegion.CreateCa("grey region ca", "region " + region);
    }

    public string Region { get; }

    public X509Certificate2 Ca { get; }

    /// <summary>The region's signing certificate with its private key.</summary>
    public X509Certificate2 Leaf { get; }

    public static FakeTimeProvider Time { get; } = new(new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A verifier as the edge builds it from enrollment: pinned CA, the region's public certificate.</summary>
    public RegionDesiredVerifier Verifier(string site, string? homeRegion = null) =>
        new(Ca, () => [X509CertificateLoader.LoadCertificate(Leaf.RawData)], homeRegion ?? Region, site, Time);

    /// <summary>Change <paramref name="sequence"/>: a put of <paramref name="value"/> (null: a delete) of <paramref name="key"/>.</summary>
    public DesiredChange Change(string site, ulong sequence, string key, string? value, string? region = null) =>
        new(region ?? Region, site, sequence, key, value is null ? null : System.Text.Encoding.UTF8.GetBytes(value), new HlcTimestamp(1_800_000_000_000 + (long)sequence, 0));

    /// <summary>The wire bytes: the change signed by the region's key.</summary>
    public byte[] Sign(DesiredChange change) => new MessageSigner(Leaf).SignEnvelope(change.Encode());
}
