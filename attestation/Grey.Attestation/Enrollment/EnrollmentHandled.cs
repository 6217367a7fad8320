using System.Security.Cryptography.X509Certificates;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// What a handler of the <see cref="EnrollmentService"/> produced: the reply to send (always), the refusal
/// code when it is a refusal, and what the region must apply to its node registry <em>before</em> sending the
/// reply (so that a node's first delta after the reply is already trusted):
/// <see cref="Enrolled"/> → <c>NodeRegistry.Enroll(node, site, certificate)</c>;
/// <see cref="Attested"/> → <c>NodeRegistry.ApplyAttestationResult(node, signedResult)</c>.
/// </summary>
public sealed record EnrollmentHandled(byte[] Reply, string? RefusalCode = null)
{
    public bool Refused => RefusalCode is not null;

    public NodeEnrolled? Enrolled { get; init; }

    public NodeAttested? Attested { get; init; }
}

/// <summary>A node completed enrollment and holds a new delta-signing certificate (public part).</summary>
public sealed record NodeEnrolled(string NodeId, string Site, X509Certificate2 DeltaSigningCertificate);

/// <summary>A node's quote passed: its signed attestation result, valid until <see cref="ExpiresAt"/>.</summary>
public sealed record NodeAttested(string NodeId, string Site, AttestationEnvelope SignedResult, DateTimeOffset ExpiresAt, bool Reboot, bool UncleanReboot);
