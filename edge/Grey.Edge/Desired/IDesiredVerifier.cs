using Grey.Federation.Messages;

namespace Grey.Edge.Desired;

/// <summary>
/// Verifies a signed desired-state change exactly as received on <c>grey.desired.&lt;site&gt;</c> (MQTT
/// <c>grey/desired/&lt;site&gt;</c>): the signed envelope of <see cref="DesiredChange.Encode"/>, signed by the home
/// region with the key it signs its acks with, for this site.
/// </summary>
internal interface IDesiredVerifier
{
    /// <summary>Verifies; never throws for bad input.</summary>
    DesiredVerification Verify(ReadOnlyMemory<byte> signedChange);
}

/// <summary>The outcome of verifying a signed desired change: the change when trusted, else a reason code and a message.</summary>
internal readonly record struct DesiredVerification(DesiredChange? Change, DesiredRefusal Reason, string? Error)
{
    /// <summary>True when the change is trusted and addressed to this site by the home region.</summary>
    public bool IsTrusted => Change is not null;

    /// <summary>A trusted change.</summary>
    public static DesiredVerification Trusted(DesiredChange change) => new(change, DesiredRefusal.None, null);

    /// <summary>A refusal with its reason.</summary>
    public static DesiredVerification Refused(DesiredRefusal reason, string error) => new(null, reason, error);
}
