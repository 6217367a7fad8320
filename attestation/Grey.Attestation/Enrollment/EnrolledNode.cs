using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Registration;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// An enrolled node as the service persists it: site, state, current delta-signing certificate and latest
/// signed attestation result (null before the first pass). A restarted region re-applies these to its node
/// registry (<c>Enroll</c>, then <c>ApplyAttestationResult</c> while the result is unexpired, then
/// <c>Revoke</c> for revoked and banned nodes).
/// </summary>
public sealed record EnrolledNode(
    string NodeId,
    string Site,
    NodeState State,
    DateTimeOffset EnrolledAt,
    X509Certificate2 DeltaSigningCertificate,
    AttestationEnvelope? LatestResult,
    DateTimeOffset? ResultExpiresAt);
