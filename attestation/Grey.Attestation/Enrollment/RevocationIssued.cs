using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// A signed revocation notice to publish on <see cref="Subject"/> (<c>grey.revoke.&lt;site&gt;</c>) as
/// <see cref="Wire"/>, and to apply to the region's own node registry (<c>ApplyRevocationNotice(Notice)</c>).
/// </summary>
public sealed record RevocationIssued(string NodeId, string Site, ulong Sequence, AttestationEnvelope Notice)
{
    public string Subject => EnrollmentSubjects.Revoke(Site);

    /// <summary>The bytes to publish: <c>Notice.ToBytes()</c>.</summary>
    public byte[] Wire => Notice.ToBytes();
}
