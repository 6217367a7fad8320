using System.Formats.Cbor;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>
/// (b) Region to edge: enrollment done. The node's delta-signing certificate (issued by the region CA for the
/// key of the request, short-lived), the region CA certificate (pinned by the node on first enrollment), and
/// the region's signing certificate (issued by that CA; it signs acks, region deltas, attestation results,
/// revocation notices and desired changes). All DER.
/// </summary>
internal sealed record EnrolledReply(string Region, string NodeId, byte[] DeltaSigningCertificate, byte[] RegionCaCertificate, byte[] RegionSigningCertificate) : EnrollmentMessage
{
    public override EnrollmentMessageType Type => EnrollmentMessageType.Enrolled;

    internal override int FieldCount => 5;

    internal override void WriteFields(CborWriter w)
    {
        w.WriteTextString(Region);
        w.WriteTextString(NodeId);
        w.WriteByteString(DeltaSigningCertificate);
        w.WriteByteString(RegionCaCertificate);
        w.WriteByteString(RegionSigningCertificate);
    }

    internal static EnrolledReply Read(CborReader r) => new(
        CborFields.Text(r, EnrollmentLimits.MaxIdBytes, "region"),
        CborFields.Text(r, EnrollmentLimits.MaxIdBytes, "node"),
        CborFields.Bytes(r, EnrollmentLimits.MaxCertificateBytes, "deltaSigningCertificate"),
        CborFields.Bytes(r, EnrollmentLimits.MaxCertificateBytes, "regionCaCertificate"),
        CborFields.Bytes(r, EnrollmentLimits.MaxCertificateBytes, "regionSigningCertificate"));
}
