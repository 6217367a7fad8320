using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Revocation;
using Grey.Region.Registry;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests.Registry;

public sealed class NodeRegistryTests
{
    [Fact]
    public async Task Enroll_KeyOfAnotherNodeOrSiteChange_Refused()
    {
        await using var fleet = new RegionFleet();
        NodeRegistry registry = fleet.NewRegistry();
        var cert = RegionFleet.CreateCertificate("k1");

        Assert.Null(registry.Enroll("n1", "site-a", cert));
        Assert.Contains("already belongs to node n1", registry.Enroll("n2", "site-a", cert), StringComparison.Ordinal);
        Assert.Contains("enrolled for site site-a", registry.Enroll("n1", "site-b", RegionFleet.CreateCertificate("k2")), StringComparison.Ordinal);
        Assert.Contains("not a valid identifier", registry.Enroll("N1!", "site-a", RegionFleet.CreateCertificate("k3")), StringComparison.Ordinal);
        Assert.Equal(1, registry.Count);
    }

    [Fact]
    public async Task Enroll_SameKeyKeepsResultNewKeyNeedsNewOneAndRevocationStays()
    {
        await using var fleet = new RegionFleet();
        NodeRegistry registry = fleet.NewRegistry();
        EdgeNode n = await fleet.EnrollAsync("a1", "site-a");
        await fleet.AdmitAsync(registry, n);
        var next = RegionFleet.CreateCertificate("a1 next");
        Assert.Null(registry.Enroll("a1", "site-a", n.Certificate));
        Assert.Equal(NodeAttestation.Passing, registry.Find("a1")!.Attestation);
        registry.Revoke("a1");

        Assert.Null(registry.Enroll("a1", "site-a", next));
        Assert.True(registry.Find("a1")!.Revoked);

        Assert.Null(registry.FindByKeyId(Convert.FromHexString(n.Certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifier!)));
        Assert.Equal(NodeAttestation.None, registry.Find("a1")!.Attestation);
    }

    [Fact]
    public async Task ApplyAttestationResult_ForgedOrUnknownNode_NotKept()
    {
        await using var fleet = new RegionFleet();
        NodeRegistry registry = fleet.NewRegistry();
        EdgeNode n = await fleet.EnrollAsync("a1", "site-a");
        Assert.Null(registry.Enroll("a1", "site-a", n.Certificate));
        SignedEnvelope result = await fleet.AttestAsync(n);
        byte[] payload = (byte[])result.Payload.Clone();
        payload[^1] ^= 1;

        Assert.Equal(ResultCheck.SignatureInvalid, registry.ApplyAttestationResult("a1", result with { Payload = payload }));
        Assert.Equal(ResultCheck.WrongNode, registry.ApplyAttestationResult("zz", result));
        Assert.Equal(NodeAttestation.None, registry.Find("a1")!.Attestation);
        Assert.Equal(ResultCheck.Accepted, registry.ApplyAttestationResult("a1", result));
        Assert.Equal(NodeAttestation.Passing, registry.Find("a1")!.Attestation);
        fleet.Time.Advance(AttestationResultSigner.DefaultLifetime);
        Assert.Equal(NodeAttestation.Expired, registry.Find("a1")!.Attestation);
    }

    [Fact]
    public async Task ApplyRevocationNotice_DisabledThenEnabled_ReversibleButRevokedIsFinal()
    {
        await using var fleet = new RegionFleet();
        NodeRegistry registry = fleet.NewRegistry();
        Assert.Null(registry.Enroll("a1", "site-a", RegionFleet.CreateCertificate("a1")));

        Assert.Equal(NoticeCheck.Accepted, registry.ApplyRevocationNotice(fleet.Revocations.Issue("a1", NodeState.Disabled)));
        Assert.True(registry.Find("a1")!.Revoked);
        Assert.Equal(NoticeCheck.Accepted, registry.ApplyRevocationNotice(fleet.Revocations.Issue("a1", NodeState.Enabled)));
        Assert.False(registry.Find("a1")!.Revoked);
        Assert.Equal(NoticeCheck.Accepted, registry.ApplyRevocationNotice(fleet.Revocations.Issue("a1", NodeState.Revoked)));
        Assert.Equal(NoticeCheck.Accepted, registry.ApplyRevocationNotice(fleet.Revocations.Issue("a1", NodeState.Enabled)));
        Assert.True(registry.Find("a1")!.Revoked);
        Assert.False(registry.Revoke("nobody"));
    }
}
