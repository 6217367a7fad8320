using Grey.Attestation.Tpm;

namespace Grey.Attestation.Verification;

/// <summary>
/// The verdict on one quote: <see cref="Code"/> is <see cref="ReasonCode.Accepted"/> or the first check that
/// failed, with a human-readable <see cref="Detail"/>. On a pass it carries what a relying party needs:
/// the TPM clock, whether this quote is the first after a reboot (and whether that reboot was unclean),
/// and the delta-signing key bound in the quote.
/// </summary>
public sealed record VerificationOutcome(ReasonCode Code, string Detail)
{
    public bool Accepted => Code == ReasonCode.Accepted;

    public TpmsClockInfo? Clock { get; init; }

    /// <summary>The reset count rose since the last accepted quote of this node.</summary>
    public bool Reboot { get; init; }

    /// <summary>The reboot followed an unclean shutdown (<c>safe</c> = 0).</summary>
    public bool UncleanReboot { get; init; }

    /// <summary>The restart count rose within one boot (a resume).</summary>
    public bool Restart { get; init; }

    /// <summary>SHA-256 of the bound key's SubjectPublicKeyInfo, when key binding was checked.</summary>
    public byte[]? BoundKeyHash { get; init; }

    /// <summary>The delta-signing certificate's key identifier (hex), when key binding was checked.</summary>
    public string? DeltaSigningKeyId { get; init; }

    /// <summary>The signed attestation result, when the verifier signs results and key binding was checked.</summary>
    public Results.SignedEnvelope? SignedResult { get; init; }

    public static VerificationOutcome Fail(ReasonCode code, string detail) => new(code, detail);

    public override string ToString() => Accepted ? "accepted" : $"{Code.ToCode()}: {Detail}";
}
