using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Enrollment;
using Grey.Edge.Outbox;
using Grey.Federation.Signing;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>
/// The outbox's delta signer from enrollment: the delta-signing certificate the region issued (with this node's
/// key), but only while the node holds an attestation result that has not expired, since the region merges no
/// delta whose signer's result is stale. Null before enrollment and attestation: the backlog then grows.
/// </summary>
internal sealed class EnrollmentSignerProvider(EnrollmentClient client, TimeProvider time) : IDeltaSignerProvider
{
    private X509Certificate2? cachedFor;
    private MessageSigner? cached;

    /// <inheritdoc />
    public MessageSigner? Current
    {
        get
        {
            var certificate = client.SigningCertificate;
            if (certificate is null || client.LatestResult is null || client.ResultExpiresAt is not { } expires || expires <= time.GetUtcNow())
            {
                return null;
            }

            // One signer per certificate: a renewal hands out a new one, otherwise the same is reused.
            if (!ReferenceEquals(certificate, cachedFor))
            {
                cached = new MessageSigner(certificate);
                cachedFor = certificate;
            }

            return cached;
        }
    }
}
