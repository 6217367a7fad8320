using System.Formats.Cbor;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>(b) Edge to region on <c>grey.enroll.&lt;site&gt;</c>: the secret the TPM recovered for the session.</summary>
internal sealed record ActivateRequest(byte[] SessionId, byte[] ActivatedSecret) : EnrollmentMessage
{
    public override EnrollmentMessageType Type => EnrollmentMessageType.ActivateRequest;

    internal override int FieldCount => 2;

    internal override void WriteFields(CborWriter w)
    {
        w.WriteByteString(SessionId);
        w.WriteByteString(ActivatedSecret);
    }

    internal static ActivateRequest Read(CborReader r) => new(
        CborFields.BytesExactly(r, EnrollmentLimits.SessionIdBytes, "sessionId"),
        CborFields.Bytes(r, EnrollmentLimits.MaxSecretBytes, "activatedSecret"));
}
