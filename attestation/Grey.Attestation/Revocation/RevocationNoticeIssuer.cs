using System.Security.Cryptography;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;

namespace Grey.Attestation.Revocation;

/// <summary>
/// Signs revocation notices with strictly rising sequence numbers. The caller persists
/// <see cref="LastSequence"/> and passes it back after a restart, so numbers never repeat.
/// </summary>
public sealed class RevocationNoticeIssuer(string issuerId, ECDsa key, TimeProvider time, ulong lastSequence = 0, TimeSpan? lifetime = null)
{
    /// <summary>Default validity of a notice: long enough to reach every region, short enough that a stale one is refused.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    public string IssuerId { get; } = issuerId;

    public ulong LastSequence { get; private set; } = lastSequence;

    public SignedEnvelope Issue(string nodeId, NodeState state)
    {
        DateTimeOffset now = time.GetUtcNow();
        LastSequence = checked(LastSequence + 1);
        var notice = new RevocationNotice(IssuerId, LastSequence, nodeId, state, now, now + (lifetime ?? DefaultLifetime));
        return SignedEnvelope.Sign(notice.ToBytes(), key);
    }
}
