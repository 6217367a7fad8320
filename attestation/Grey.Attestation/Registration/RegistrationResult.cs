using Grey.Attestation.Credentials;
using Grey.Attestation.Results;

namespace Grey.Attestation.Registration;

/// <summary>
/// The registrar's answer: <see cref="Reason"/> is Accepted or why not. A started enrolment carries the
/// credential <see cref="Challenge"/>; a state change carries the signed <see cref="Notice"/>, if the
/// registrar issues notices.
/// </summary>
public sealed record RegistrationResult(RegistrationReason Reason, string Detail)
{
    public bool Accepted => Reason == RegistrationReason.Accepted;

    public CredentialChallenge? Challenge { get; init; }

    public SignedEnvelope? Notice { get; init; }

    public static RegistrationResult Fail(RegistrationReason reason, string detail) => new(reason, detail);
}
