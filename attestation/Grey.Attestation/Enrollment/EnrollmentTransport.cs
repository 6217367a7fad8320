namespace Grey.Attestation.Enrollment;

/// <summary>Which request subject a client message goes to.</summary>
public enum EnrollmentRequestKind
{
    /// <summary><c>grey.enroll.&lt;site&gt;</c>.</summary>
    Enroll,

    /// <summary><c>grey.attest.&lt;site&gt;</c>.</summary>
    Attest,
}

/// <summary>A reply, or why there is none (<see cref="Payload"/> is null then: no link, timeout, no responder).</summary>
public readonly record struct EnrollmentReply(ReadOnlyMemory<byte>? Payload, string? Error)
{
    public static EnrollmentReply Of(ReadOnlyMemory<byte> payload) => new(payload, null);

    public static EnrollmentReply Failed(string error) => new(null, error);
}

/// <summary>
/// How the <see cref="EnrollmentClient"/> reaches its region: one request, one reply, within
/// <paramref name="timeout"/>. The edge daemon adapts its uplink's request/reply to this. Implementations
/// return <see cref="EnrollmentReply.Failed"/> for link failures and timeouts and throw only on cancellation.
/// </summary>
public delegate ValueTask<EnrollmentReply> EnrollmentRequestSender(
    EnrollmentRequestKind kind, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken);
