using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Deltas;
using Grey.Federation.Operations;
using Grey.Federation.Signing;

namespace Grey.Edge.Uplink.Nats.Tests.Support;

/// <summary>
/// Real signed deltas (one put of a small sensor reading per data entry, as a site writes them) for measuring
/// bytes on the wire per operation, compressed by the envelope where that is smaller.
/// </summary>
internal static class WireSample
{
    private static readonly Lazy<X509Certificate2> Signer = new(CreateSigner);

    public static OutgoingDelta SignedDelta(string region, string site, int operations, out int plainEnvelopeBytes)
    {
        var entries = new List<DataEntry>();
        for (var i = 1; i <= operations; i++)
        {
            var stamp = new HlcTimestamp(1_764_000_000_000 + i, 0);
            var value = Encoding.UTF8.GetBytes($"{{\"t\":{20 + (i % 50) / 10.0:0.0},\"unit\":\"C\",\"seq\":{i}}}");
            entries.Add(new DataEntry((ulong)i, stamp, [Operation.Put($"sensors/line-{i % 4}/temp-{i % 32}", value, stamp, "n1")]));
        }

        var delta = SiteDelta.Create(region, site, 1, 1, (ulong)operations, ChainHash.Genesis(site, 1), entries);
        var plain = new MessageSigner(Signer.Value).SignEnvelope(delta.Encode());
        var compressed = SignedEnvelope.Compress(plain);
        plainEnvelopeBytes = plain.Length;
        var wire = compressed.Length < plain.Length ? compressed : plain;
        return new OutgoingDelta(delta.MessageId, 1, (ulong)operations, wire, (ulong)operations);
    }

    private static X509Certificate2 CreateSigner()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=n1", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.Now.AddMinutes(-1), DateTimeOffset.Now.AddHours(1));
    }
}
