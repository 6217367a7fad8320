using Grey.Attestation.Enrollment;
using Grey.Attestation.Revocation;
using Grey.Edge.Outbox;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>
/// Revocation notices are verified by the enrollment client (region signing key chained to the pinned CA,
/// issuer, expiry, rising sequence persisted across restarts); the revoked node's id is its origin name.
/// </summary>
internal sealed class EnrollmentRevocationVerifier(EnrollmentClient client) : IRevocationVerifier
{
    /// <summary>Largest notice accepted (a notice is a few hundred bytes).</summary>
    public const int MaxNoticeBytes = 16 * 1024;

    /// <inheritdoc />
    public RevocationCheck Verify(ReadOnlyMemory<byte> notice)
    {
        if (notice.Length > MaxNoticeBytes)
        {
            return new RevocationCheck(null, $"{notice.Length} bytes, at most {MaxNoticeBytes}");
        }

        var check = client.AcceptRevocationNotice(notice.Span, out var parsed);
        return check == NoticeCheck.Accepted && parsed is not null
            ? new RevocationCheck(parsed.NodeId, null)
            : new RevocationCheck(null, "revocation notice refused: " + check);
    }
}
