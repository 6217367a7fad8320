using System.Formats.Cbor;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>(c) Edge to region on <c>grey.attest.&lt;site&gt;</c>: a fresh nonce for this node, please.</summary>
internal sealed record NonceRequest(string NodeId) : EnrollmentMessage
{
    public override EnrollmentMessageType Type => EnrollmentMessageType.NonceRequest;

    internal override int FieldCount => 1;

    internal override void WriteFields(CborWriter w) => w.WriteTextString(NodeId);

    internal static NonceRequest Read(CborReader r) => new(CborFields.Text(r, EnrollmentLimits.MaxIdBytes, "node"));
}
