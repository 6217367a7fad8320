using Grey.Attestation.Enrollment;
using Grey.Edge.Desired;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>
/// Desired-state changes are verified against the same region trust as acks (the pinned CA and the region signing
/// certificate learned at enrollment) with <see cref="RegionDesiredVerifier"/>; before enrollment every change is
/// refused (the region resends it until the site applies it).
/// </summary>
internal sealed class TrustDesiredVerifier(EnrollmentClient client, string region, string site, TimeProvider time) : IDesiredVerifier
{
    private RegionTrust? verifierFor;
    private RegionDesiredVerifier? verifier;

    /// <inheritdoc />
    public DesiredVerification Verify(ReadOnlyMemory<byte> signedChange)
    {
        var trust = client.Trust;
        if (trust is null)
        {
            return DesiredVerification.Refused(DesiredRefusal.NoTrust, "not enrolled: no pinned region CA to verify the change against");
        }

        if (!ReferenceEquals(trust, verifierFor))
        {
            var certificate = trust.RegionSigningCertificate;
            verifier = new RegionDesiredVerifier(trust.PinnedCa, () => [certificate], region, site, time);
            verifierFor = trust;
        }

        return verifier!.Verify(signedChange);
    }
}
