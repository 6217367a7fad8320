using System.Formats.Cbor;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>
/// (c) Region to edge: the nonce to quote over, the exact PCR selection the region's policy asks for
/// (tpm2-tools syntax, empty when any selection is accepted), the key-binding PCR (null: no binding) and
/// when the nonce expires.
/// </summary>
internal sealed record NonceReply(byte[] Nonce, string PcrSelection, ulong? KeyBindingPcr, DateTimeOffset ExpiresAt) : EnrollmentMessage
{
    public override EnrollmentMessageType Type => EnrollmentMessageType.NonceReply;

    internal override int FieldCount => 4;

    internal override void WriteFields(CborWriter w)
    {
        w.WriteByteString(Nonce);
        w.WriteTextString(PcrSelection);
        CborFields.WriteOptionalUInt(w, KeyBindingPcr);
        CborFields.WriteTime(w, ExpiresAt);
    }

    internal static NonceReply Read(CborReader r)
    {
        byte[] nonce = CborFields.Bytes(r, EnrollmentLimits.MaxNonceBytes, "nonce");
        string selection = CborFields.Text(r, EnrollmentLimits.MaxSelectionTextBytes, "pcrSelection");
        ulong? pcr = CborFields.OptionalUInt(r, "keyBindingPcr");
        if (pcr > 23)
        {
            throw new EnrollmentFormatException($"keyBindingPcr: {pcr} is not a PCR index");
        }

        return new NonceReply(nonce, selection, pcr, CborFields.Time(r, "expiresAt"));
    }
}
