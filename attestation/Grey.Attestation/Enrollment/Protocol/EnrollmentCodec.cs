using System.Formats.Cbor;

namespace Grey.Attestation.Enrollment.Protocol;

/// <summary>How a decode ended: a message, or a reason code (<see cref="RefusalCodes.Malformed"/> or <see cref="RefusalCodes.UnsupportedVersion"/>) and a precise error.</summary>
internal readonly record struct DecodedMessage(EnrollmentMessage? Message, string? Code, string? Error)
{
    public bool Ok => Message is not null;
}

/// <summary>
/// Encodes and strictly decodes enrollment messages: canonical CBOR (RFC 8949 §4.2: shortest forms,
/// definite lengths), one array <c>[version, type, field...]</c>, an exact field count per type, every length
/// bounded (<see cref="EnrollmentLimits"/>), nothing trailing. Decoders accept the current version and the
/// previous one (DESIGN §3); version 1 is the first, so today only 1 is accepted. Never throws for bad input.
/// </summary>
internal static class EnrollmentCodec
{
    /// <summary>The version written.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The oldest version read: the previous one, but never below the first version (1).</summary>
    public const int OldestAcceptedVersion = CurrentVersion > 1 ? CurrentVersion - 1 : 1;

    public static byte[] Encode(EnrollmentMessage message)
    {
        CborWriter w = CborFields.Writer();
        w.WriteStartArray(2 + message.FieldCount);
        w.WriteUInt32(CurrentVersion);
        w.WriteUInt32((uint)message.Type);
        message.WriteFields(w);
        w.WriteEndArray();
        byte[] bytes = w.Encode();
        if (bytes.Length > EnrollmentLimits.MaxMessageBytes)
        {
            // The fields are all bounded by the caller; a message this large is a bug, not bad input.
            throw new InvalidOperationException($"{message.Type} encodes to {bytes.Length} bytes, above {EnrollmentLimits.MaxMessageBytes}");
        }

        return bytes;
    }

    public static DecodedMessage Decode(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.Length > EnrollmentLimits.MaxMessageBytes)
        {
            return Malformed($"{bytes.Length} bytes, at most {EnrollmentLimits.MaxMessageBytes}");
        }

        try
        {
            CborReader r = CborFields.Reader(bytes);
            int n = CborFields.ArrayStart(r, 16, "message");
            if (n < 2)
            {
                return Malformed($"message: {n} items, expected [version, type, ...]");
            }

            ulong version = CborFields.UInt(r, "version");
            if (version is < OldestAcceptedVersion or > CurrentVersion)
            {
                return new DecodedMessage(null, RefusalCodes.UnsupportedVersion,
                    $"version {version}; this side reads {OldestAcceptedVersion}..{CurrentVersion}");
            }

            ulong type = CborFields.UInt(r, "type");
            EnrollmentMessage message = (EnrollmentMessageType)Math.Min(type, int.MaxValue) switch
            {
                EnrollmentMessageType.EnrollRequest => Fields(r, n, 9, EnrollRequest.Read),
                EnrollmentMessageType.EnrollChallenge => Fields(r, n, 4, EnrollChallenge.Read),
                EnrollmentMessageType.ActivateRequest => Fields(r, n, 2, ActivateRequest.Read),
                EnrollmentMessageType.Enrolled => Fields(r, n, 5, EnrolledReply.Read),
                EnrollmentMessageType.NonceRequest => Fields(r, n, 1, NonceRequest.Read),
                EnrollmentMessageType.NonceReply => Fields(r, n, 4, NonceReply.Read),
                EnrollmentMessageType.QuoteResponse => Fields(r, n, 7, QuoteResponse.Read),
                EnrollmentMessageType.AttestationOutcome => Fields(r, n, 5, AttestationOutcomeReply.Read),
                EnrollmentMessageType.Refusal => Fields(r, n, 2, Refusal.Read),
                _ => throw new EnrollmentFormatException($"message type {type} is unknown"),
            };
            r.ReadEndArray();
            if (r.BytesRemaining != 0)
            {
                return Malformed($"{r.BytesRemaining} bytes after the message");
            }

            return new DecodedMessage(message, null, null);
        }
        catch (EnrollmentFormatException e)
        {
            return Malformed(e.Message);
        }
        catch (CborContentException e)
        {
            return Malformed("CBOR: " + e.Message);
        }
        catch (InvalidOperationException e)
        {
            // CborReader throws this for a value of another major type than the one read, or a missing end.
            return Malformed("CBOR: " + e.Message);
        }
        catch (OverflowException e)
        {
            return Malformed("CBOR: " + e.Message);
        }
    }

    private static T Fields<T>(CborReader r, int items, int expected, Func<CborReader, T> read)
    {
        if (items != expected + 2)
        {
            throw new EnrollmentFormatException($"message: {items - 2} fields, expected {expected}");
        }

        return read(r);
    }

    private static DecodedMessage Malformed(string error) => new(null, RefusalCodes.Malformed, error);
}
