using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Messages;

namespace Grey.Edge.Outbox;

/// <summary>
/// The real <see cref="IAckVerifier"/>: the ack is a federation signed envelope whose signer (named by subject key
/// identifier, no certificate carried) must be one of the region's signing certificates learned at enrollment,
/// and that certificate must chain to the CA pinned at enrollment (X509Chain with custom root trust, at the
/// injected time, no revocation lookups: revocation of a region key is a new enrollment). Only then is the
/// signature checked (Grey.Federation's verifier) and the ack decoded strictly.
/// </summary>
internal sealed class RegionAckVerifier : IAckVerifier
{
    /// <summary>Largest signed ack accepted (an ack is about 300 bytes).</summary>
    public const int MaxAckBytes = 4096;

    private readonly RegionEnvelopeVerifier envelopes;

    /// <param name="pinnedCa">The region signing CA pinned at enrollment.</param>
    /// <param name="regionCertificates">The region's current signing certificates (from enrollment); read on every verify so a renewal is picked up.</param>
    /// <param name="time">The clock the certificates' validity is checked at.</param>
    public RegionAckVerifier(X509Certificate2 pinnedCa, Func<IReadOnlyList<X509Certificate2>> regionCertificates, TimeProvider time)
    {
        envelopes = new RegionEnvelopeVerifier(pinnedCa, regionCertificates, time);
    }

    /// <inheritdoc/>
    public AckVerification Verify(ReadOnlyMemory<byte> signedAck)
    {
        var (content, error) = envelopes.Verify(signedAck, MaxAckBytes);
        if (content is not { } bytes)
        {
            return AckVerification.Refused(error!);
        }

        var ack = RegionAck.Decode(bytes);
        return ack.IsSuccess ? AckVerification.Trusted(ack.Value) : AckVerification.Refused("ack: " + ack.Error.Message);
    }
}
