using System.Security.Cryptography;
using Grey.Attestation.Results;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Revocation;

/// <summary>Why a revocation notice was refused.</summary>
public enum NoticeCheck
{
    Accepted = 0,
    Malformed = 1,
    SignatureInvalid = 2,
    WrongIssuer = 3,

    /// <summary>The sequence number is not above the last accepted one: a replay or an out-of-date notice.</summary>
    Replayed = 4,

    /// <summary>The notice is past its expiry.</summary>
    Stale = 5,

    /// <summary>The notice claims to be issued in the future (beyond the tolerated skew).</summary>
    NotYetValid = 6,
}

/// <summary>
/// Accepts revocation notices of one issuer at a relying party: signature, issuer, expiry, and a sequence
/// number strictly above the last accepted (kept here; persist <see cref="LastAccepted"/> across restarts).
/// </summary>
public sealed class RevocationNoticeValidator(string issuerId, ECDsa issuerPublicKey, TimeProvider time, ulong lastAccepted = 0)
{
    /// <summary>Clock skew tolerated between issuer and relying party.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromSeconds(30);

    public ulong LastAccepted { get; private set; } = lastAccepted;

    public NoticeCheck Accept(SignedEnvelope envelope, out RevocationNotice? notice)
    {
        notice = null;
        if (!envelope.Verify(issuerPublicKey))
        {
            return NoticeCheck.SignatureInvalid;
        }

        try
        {
            notice = RevocationNotice.Parse(envelope.Payload);
        }
        catch (TpmFormatException)
        {
            return NoticeCheck.Malformed;
        }

        if (!string.Equals(notice.IssuerId, issuerId, StringComparison.Ordinal))
        {
            return NoticeCheck.WrongIssuer;
        }

        DateTimeOffset now = time.GetUtcNow();
        if (now >= notice.ExpiresAt)
        {
            return NoticeCheck.Stale;
        }

        if (notice.IssuedAt > now + MaxSkew)
        {
            return NoticeCheck.NotYetValid;
        }

        if (notice.Sequence <= LastAccepted)
        {
            return NoticeCheck.Replayed;
        }

        LastAccepted = notice.Sequence;
        return NoticeCheck.Accepted;
    }
}
