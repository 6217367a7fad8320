using Grey.Federation.Identifiers;

namespace Grey.Attestation.Enrollment;

/// <summary>The NATS subjects of enrollment, attestation and revocation for a site (docs/ATTESTATION.md, "Enrollment over the network").</summary>
public static class EnrollmentSubjects
{
    /// <summary><c>grey.enroll.&lt;site&gt;</c>: enroll requests and credential-activation answers (request/reply).</summary>
    public static string Enroll(string site) => "grey.enroll." + Checked(site);

    /// <summary><c>grey.attest.&lt;site&gt;</c>: nonce requests and quote responses (request/reply).</summary>
    public static string Attest(string site) => "grey.attest." + Checked(site);

    /// <summary><c>grey.revoke.&lt;site&gt;</c>: signed revocation notices, region to edge.</summary>
    public static string Revoke(string site) => "grey.revoke." + Checked(site);

    private static string Checked(string site) =>
        FederationId.IsValid(site) ? site : throw new ArgumentException($"'{site}' is not a site id", nameof(site));
}
