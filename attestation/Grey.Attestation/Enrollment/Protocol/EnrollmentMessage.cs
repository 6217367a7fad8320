using System.Formats.Cbor;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>The message types of the enrollment protocol (the second item of every message). Values are never reused.</summary>
internal enum EnrollmentMessageType
{
    EnrollRequest = 1,
    EnrollChallenge = 2,
    ActivateRequest = 3,
    Enrolled = 4,
    NonceRequest = 5,
    NonceReply = 6,
    QuoteResponse = 7,
    AttestationOutcome = 8,
    Refusal = 9,
}

/// <summary>
/// One message of the enrollment protocol. On the wire (<see cref="EnrollmentCodec"/>) every message is a
/// canonical CBOR array <c>[version, type, field...]</c> with a fixed number of fields per type and version.
/// </summary>
internal abstract record EnrollmentMessage
{
    public abstract EnrollmentMessageType Type { get; }

    /// <summary>How many fields follow the version and the type.</summary>
    internal abstract int FieldCount { get; }

    /// <summary>Writes the fields, in order, after the version and the type.</summary>
    internal abstract void WriteFields(CborWriter writer);
}
