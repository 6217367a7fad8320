using System.Formats.Cbor;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>Region to edge, on either subject: the request was refused, with a stable reason code (<see cref="RefusalCodes"/>) and a message.</summary>
internal sealed record Refusal(string Code, string Message) : EnrollmentMessage
{
    public override EnrollmentMessageType Type => EnrollmentMessageType.Refusal;

    internal override int FieldCount => 2;

    /// <summary>A refusal whose message is cut to the wire limit (details can quote long parser errors).</summary>
    public static Refusal Of(string code, string message)
    {
        string cut = message;
        while (System.Text.Encoding.UTF8.GetByteCount(cut) > EnrollmentLimits.MaxRefusalMessageBytes)
        {
            cut = cut[..(cut.Length * 3 / 4)];
        }

        return new Refusal(code, cut);
    }

    internal override void WriteFields(CborWriter w)
    {
        w.WriteTextString(Code);
        w.WriteTextString(Message);
    }

    internal static Refusal Read(CborReader r) => new(
        CborFields.Text(r, EnrollmentLimits.MaxReasonCodeBytes, "code"),
        CborFields.Text(r, EnrollmentLimits.MaxRefusalMessageBytes, "message"));
}
