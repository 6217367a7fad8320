using System.Formats.Cbor;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>
/// (a) Edge to region on <c>grey.enroll.&lt;site&gt;</c>: who the node is (id, site), its TPM identity (EK
/// TPM2B_PUBLIC, EK certificate and intermediates in DER, AK TPM2B_PUBLIC), the delta-signing public key to
/// certify (SubjectPublicKeyInfo DER), the enrollment token if it has one, and the site epoch if known.
/// </summary>
internal sealed record EnrollRequest(
    string NodeId,
    string Site,
    byte[] EkPublic,
    byte[] EkCertificate,
    IReadOnlyList<byte[]> EkIntermediates,
    byte[] AkPublic,
    byte[] DeltaSigningPublicKey,
    string? EnrollmentToken,
    ulong? SiteEpoch) : EnrollmentMessage
{
    public override EnrollmentMessageType Type => EnrollmentMessageType.EnrollRequest;

    internal override int FieldCount => 9;

    internal override void WriteFields(CborWriter w)
    {
        w.WriteTextString(NodeId);
        w.WriteTextString(Site);
        w.WriteByteString(EkPublic);
        w.WriteByteString(EkCertificate);
        w.WriteStartArray(EkIntermediates.Count);
        foreach (byte[] der in EkIntermediates)
        {
            w.WriteByteString(der);
        }

        w.WriteEndArray();
        w.WriteByteString(AkPublic);
        w.WriteByteString(DeltaSigningPublicKey);
        CborFields.WriteOptionalText(w, EnrollmentToken);
        CborFields.WriteOptionalUInt(w, SiteEpoch);
    }

    internal static EnrollRequest Read(CborReader r)
    {
        string node = CborFields.Text(r, EnrollmentLimits.MaxIdBytes, "node");
        string site = CborFields.Text(r, EnrollmentLimits.MaxIdBytes, "site");
        byte[] ek = CborFields.Bytes(r, EnrollmentLimits.MaxTpmPublicBytes, "ekPublic");
        byte[] ekCert = CborFields.Bytes(r, EnrollmentLimits.MaxCertificateBytes, "ekCertificate");
        int n = CborFields.ArrayStart(r, EnrollmentLimits.MaxIntermediates, "ekIntermediates");
        var intermediates = new List<byte[]>(n);
        for (int i = 0; i < n; i++)
        {
            intermediates.Add(CborFields.Bytes(r, EnrollmentLimits.MaxCertificateBytes, "ekIntermediate"));
        }

        r.ReadEndArray();
        byte[] ak = CborFields.Bytes(r, EnrollmentLimits.MaxTpmPublicBytes, "akPublic");
        byte[] spki = CborFields.Bytes(r, EnrollmentLimits.MaxPublicKeyBytes, "deltaSigningPublicKey");
        string? token = CborFields.OptionalText(r, EnrollmentLimits.MaxTokenBytes, "enrollmentToken");
        ulong? epoch = CborFields.OptionalUInt(r, "siteEpoch");
        return new EnrollRequest(node, site, ek, ekCert, intermediates, ak, spki, token, epoch);
    }
}
