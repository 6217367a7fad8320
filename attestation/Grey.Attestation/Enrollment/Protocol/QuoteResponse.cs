using System.Formats.Cbor;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>
/// (d) Edge to region on <c>grey.attest.&lt;site&gt;</c>: the quote over the nonce, as the existing
/// <see cref="QuoteEvidence"/> parts (TPMS_ATTEST, TPMT_SIGNATURE, AK TPM2B_PUBLIC, PCR values, event log)
/// and the delta-signing certificate the node claims is bound in the quote.
/// </summary>
internal sealed record QuoteResponse(string NodeId, QuoteEvidence Evidence) : EnrollmentMessage
{
    public override EnrollmentMessageType Type => EnrollmentMessageType.QuoteResponse;

    internal override int FieldCount => 7;

    internal override void WriteFields(CborWriter w)
    {
        w.WriteTextString(NodeId);
        w.WriteByteString(Evidence.Attest);
        w.WriteByteString(Evidence.Signature);
        w.WriteByteString(Evidence.AkPublic);
        w.WriteByteString(Evidence.PcrValues);
        w.WriteByteString(Evidence.EventLog);
        w.WriteByteString(Evidence.DeltaSigningCertificate ?? []);
    }

    internal static QuoteResponse Read(CborReader r)
    {
        string node = CborFields.Text(r, EnrollmentLimits.MaxIdBytes, "node");
        byte[] attest = CborFields.Bytes(r, EnrollmentLimits.MaxQuotePartBytes, "attest");
        byte[] signature = CborFields.Bytes(r, EnrollmentLimits.MaxQuotePartBytes, "signature");
        byte[] ak = CborFields.Bytes(r, EnrollmentLimits.MaxTpmPublicBytes, "akPublic");
        byte[] pcrs = CborFields.Bytes(r, EnrollmentLimits.MaxQuotePartBytes, "pcrValues");
        byte[] log = CborFields.Bytes(r, EnrollmentLimits.MaxEventLogBytes, "eventLog");
        byte[] cert = CborFields.Bytes(r, EnrollmentLimits.MaxCertificateBytes, "deltaSigningCertificate");
        return new QuoteResponse(node, new QuoteEvidence(attest, signature, ak, pcrs, log, cert.Length == 0 ? null : cert));
    }
}
