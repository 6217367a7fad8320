using Grey.Attestation.Enrollment;
using Grey.Edge.Outbox;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>
/// Acks are verified against the region trust learned at enrollment (the pinned CA and the region signing
/// certificate) with the outbox's <see cref="RegionAckVerifier"/>; before enrollment every ack is refused.
/// </summary>
internal sealed class TrustAckVerifier(EnrollmentClient client, TimeProvider time) : IAckVerifier
{
    private RegionTrust? verifierFor;
    private RegionAckVerifier? verifier;

    /// <inheritdoc />
    public AckVerification Verify(ReadOnlyMemory<byte> signedAck)
    {
        var trust = client.Trust;
        if (trust is null)
        {
            return AckVerification.Refused("not enrolled: no pinned region CA to verify the ack against");
        }

        if (!ReferenceEquals(trust, verifierFor))
        {
            var certificate = trust.RegionSigningCertificate;
            verifier = new RegionAckVerifier(trust.PinnedCa, () => [certificate], time);
            verifierFor = trust;
        }

        return verifier!.Verify(signedAck);
    }
}
