using System.Formats.Cbor;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>
/// (a) Region to edge: the credential-activation challenge of a new enrollment session. Only the TPM holding
/// the EK, with the AK loaded, recovers the secret from <see cref="CredentialBlob"/> and <see cref="EncryptedSecret"/>.
/// </summary>
internal sealed record EnrollChallenge(byte[] SessionId, byte[] CredentialBlob, byte[] EncryptedSecret, DateTimeOffset ExpiresAt) : EnrollmentMessage
{
    public override EnrollmentMessageType Type => EnrollmentMessageType.EnrollChallenge;

    internal override int FieldCount => 4;

    internal override void WriteFields(CborWriter w)
    {
        w.WriteByteString(SessionId);
        w.WriteByteString(CredentialBlob);
        w.WriteByteString(EncryptedSecret);
        CborFields.WriteTime(w, ExpiresAt);
    }

    internal static EnrollChallenge Read(CborReader r) => new(
        CborFields.BytesExactly(r, EnrollmentLimits.SessionIdBytes, "sessionId"),
        CborFields.Bytes(r, EnrollmentLimits.MaxCredentialBytes, "credentialBlob"),
        CborFields.Bytes(r, EnrollmentLimits.MaxCredentialBytes, "encryptedSecret"),
        CborFields.Time(r, "expiresAt"));
}
