namespace Grey.Region.Ingest;

/// <summary>Stable text codes of <see cref="RejectReason"/> (metrics labels, quarantine listings, logs).</summary>
public static class RejectReasonCodes
{
    /// <summary>The code, e.g. <c>signer-unknown</c>.</summary>
    public static string ToCode(this RejectReason reason) => reason switch
    {
        RejectReason.TooLarge => "too-large",
        RejectReason.Malformed => "malformed",
        RejectReason.UnsupportedVersion => "unsupported-version",
        RejectReason.WrongRegion => "wrong-region",
        RejectReason.SignerUnknown => "signer-unknown",
        RejectReason.SignerNotOfSite => "signer-not-of-site",
        RejectReason.SubjectMismatch => "subject-mismatch",
        RejectReason.AttestationMissing => "attestation-missing",
        RejectReason.AttestationExpired => "attestation-expired",
        RejectReason.NodeRevoked => "node-revoked",
        RejectReason.SignatureInvalid => "signature-invalid",
        RejectReason.ChainBroken => "chain-broken",
        RejectReason.PeerUnknown => "peer-unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown reject reason"),
    };
}
