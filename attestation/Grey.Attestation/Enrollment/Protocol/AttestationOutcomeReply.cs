using System.Formats.Cbor;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>
/// (d) Region to edge: the quote passed. The signed attestation result (<c>Results.SignedEnvelope</c> wire,
/// signed with the region signing key), its expiry, whether the region saw a reboot (and an unclean one), and
/// the region's current signing certificate (so a node follows a renewed region certificate).
/// </summary>
internal sealed record AttestationOutcomeReply(byte[] SignedResult, DateTimeOffset ExpiresAt, bool Reboot, bool UncleanReboot, byte[] RegionSigningCertificate) : EnrollmentMessage
{
    public override EnrollmentMessageType Type => EnrollmentMessageType.AttestationOutcome;

    internal override int FieldCount => 5;

    internal override void WriteFields(CborWriter w)
    {
        w.WriteByteString(SignedResult);
        CborFields.WriteTime(w, ExpiresAt);
        w.WriteBoolean(Reboot);
        w.WriteBoolean(UncleanReboot);
        w.WriteByteString(RegionSigningCertificate);
    }

    internal static AttestationOutcomeReply Read(CborReader r) => new(
        CborFields.Bytes(r, EnrollmentLimits.MaxSignedResultBytes, "signedResult"),
        CborFields.Time(r, "expiresAt"),
        CborFields.Bool(r, "reboot"),
        CborFields.Bool(r, "uncleanReboot"),
        CborFields.Bytes(r, EnrollmentLimits.MaxCertificateBytes, "regionSigningCertificate"));
}
