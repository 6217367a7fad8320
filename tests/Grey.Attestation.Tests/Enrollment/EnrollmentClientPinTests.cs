using Grey.Attestation.Attesters;
using Grey.Attestation.Credentials;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Enrollment.Protocol;
using Grey.Attestation.Results;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Tests.Enrollment;

public sealed class EnrollmentClientPinTests
{
    [Fact]
    public async Task EnrollAsync_RegionPresentsAnotherCaAfterFirstUse_RejectedCaMismatchPinKept()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        SoftwareTpm tpm = world.StartTpm(data);
        EnrollmentClient client = world.OpenClient(tpm, data);
        Assert.True((await client.RefreshAsync()).Succeeded);
        byte[] pinned = client.PinnedCa!.RawData;

        // Another region (its own CA) answers on the same subject: the client refuses it and keeps its pin.
        using var impostorCa = RegionCertificateAuthority.Create("Grey INSECURE Development Region CA", world.Time.GetUtcNow().AddDays(-1), world.Time.GetUtcNow().AddYears(1));
        using var other = new EnrollmentWorld(o => o with { Authority = impostorCa });
        EnrollmentClient reopened = world.OpenClient(tpm, data, sender: other.Sender());
        EnrollmentStepResult step = await reopened.EnrollAsync();

        Assert.Equal((EnrollmentStepStatus.Rejected, ClientRejectionCodes.CaMismatch), (step.Status, step.Code));
        Assert.Equal(pinned, reopened.PinnedCa!.RawData);
        Assert.Equal(pinned, world.OpenClient(tpm, data).PinnedCa!.RawData);
    }

    [Fact]
    public async Task EnrollAsync_ConfiguredCaFileDiffers_RejectedOnFirstEnrollment()
    {
        using var world = new EnrollmentWorld();
        using var configured = RegionCertificateAuthority.Create("Expected CA", world.Time.GetUtcNow().AddDays(-1), world.Time.GetUtcNow().AddYears(1));
        string data = world.NewDirectory();
        string caFile = Path.Combine(data, "ca.pem");
        await File.WriteAllTextAsync(caFile, configured.ExportCertificatePem());
        EnrollmentClient client = world.OpenClient(world.StartTpm(data), data, configure: o => o with { RegionCaFile = caFile });

        EnrollmentStepResult step = await client.RefreshAsync();

        Assert.Equal((EnrollmentStepStatus.Rejected, ClientRejectionCodes.CaMismatch), (step.Status, step.Code));
        Assert.Null(client.SigningCertificate);
    }

    [Fact]
    public async Task EnrollAsync_ConfiguredCaFileMatches_Enrolls()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        string caFile = Path.Combine(data, "ca.pem");
        await File.WriteAllTextAsync(caFile, world.Service.CaCertificate.ExportCertificatePem());
        EnrollmentClient client = world.OpenClient(world.StartTpm(data), data, configure: o => o with { RegionCaFile = caFile });
        Assert.Equal(EnrollmentStepStatus.Attested, (await client.RefreshAsync()).Status);
    }

    [Fact]
    public async Task EnrollAsync_CertificateForAnotherKey_RejectedCertificateInvalid()
    {
        using var world = new EnrollmentWorld();
        using RegionCertificateAuthority devCa = DevelopmentAuthorities.CreateRegionAuthority();
        world.Tamper = (kind, reply) =>
        {
            if (EnrollmentCodec.Decode(reply).Message is EnrolledReply e)
            {
                using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
                using var cert = devCa.IssueDeltaSigningCertificate("node-1", EnrollmentWorld.Site, key.ExportSubjectPublicKeyInfo(), world.Time.GetUtcNow(), world.Time.GetUtcNow().AddHours(1));
                return EnrollmentCodec.Encode(e with { DeltaSigningCertificate = cert.RawData });
            }

            return reply;
        };
        string data = world.NewDirectory();
        EnrollmentStepResult step = await world.OpenClient(world.StartTpm(data), data).RefreshAsync();
        Assert.Equal((EnrollmentStepStatus.Rejected, ClientRejectionCodes.CertificateInvalid), (step.Status, step.Code));
    }

    [Fact]
    public async Task AttestAsync_ResultSignedByAnotherKey_RejectedResultInvalid()
    {
        using var world = new EnrollmentWorld();
        world.Tamper = (kind, reply) =>
        {
            if (EnrollmentCodec.Decode(reply).Message is AttestationOutcomeReply o)
            {
                SignedEnvelope.TryParse(o.SignedResult, out SignedEnvelope? env, out _);
                using var stranger = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
                return EnrollmentCodec.Encode(o with { SignedResult = SignedEnvelope.Sign(env!.Payload, stranger).ToBytes() });
            }

            return reply;
        };
        string data = world.NewDirectory();
        EnrollmentClient client = world.OpenClient(world.StartTpm(data), data);
        EnrollmentStepResult step = await client.RefreshAsync();
        Assert.Equal((EnrollmentStepStatus.Rejected, ClientRejectionCodes.ResultInvalid), (step.Status, step.Code));
        Assert.Null(client.LatestResult);
    }

    [Fact]
    public async Task RefreshAsync_NoReply_UnavailableAndNothingStored()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        EnrollmentClient client = world.OpenClient(world.StartTpm(data), data,
            sender: (kind, payload, timeout, ct) => ValueTask.FromResult(EnrollmentReply.Failed("timeout")));
        EnrollmentStepResult step = await client.RefreshAsync();
        Assert.Equal(EnrollmentStepStatus.Unavailable, step.Status);
        Assert.Null(client.SigningCertificate);
        Assert.Null(client.NextRefreshDue);
    }

    [Fact]
    public async Task RefreshAsync_CertificateNearsItsEnd_EnrollsAgainWithTheSameKey()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        EnrollmentClient client = world.OpenClient(world.StartTpm(data), data);
        Assert.True((await client.RefreshAsync()).Succeeded);
        byte[] first = client.SigningCertificate!.RawData;
        byte[] key = client.DeltaSigningPublicKey.ToArray();
        int changed = 0;
        client.SigningCertificateChanged += _ => changed++;

        world.Time.Advance(TimeSpan.FromHours(18) + TimeSpan.FromMinutes(1));
        Assert.Equal(EnrollmentStepStatus.Attested, (await client.RefreshAsync()).Status);

        Assert.NotEqual(first, client.SigningCertificate!.RawData);
        Assert.Equal(key, client.SigningCertificate.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(1, changed);
        Assert.Equal(2, world.Handled.Count(h => h.Enrolled is not null));
    }

    [Fact]
    public async Task RefreshAsync_TpmFails_UnavailableNotThrown()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        EnrollmentClient client = world.OpenClient(new FailingTpm(world.StartTpm(data)), data);
        EnrollmentStepResult step = await client.RefreshAsync();
        Assert.Equal(EnrollmentStepStatus.Unavailable, step.Status);
        Assert.Contains("TPM", step.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DataDirectoryOfAnotherNode_Throws()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        SoftwareTpm tpm = world.StartTpm(data);
        world.OpenClient(tpm, data, node: "node-1");
        Assert.Throws<InvalidOperationException>(() => world.OpenClient(tpm, data, node: "node-2"));
    }

    /// <summary>A TPM whose quotes fail, as tpm2-tools does when the TPM is gone.</summary>
    private sealed class FailingTpm(SoftwareTpm inner) : IAttester
    {
        public IReadOnlyList<TpmAlgId> Banks => inner.Banks;

        public ValueTask<AttesterIdentity> GetIdentityAsync(CancellationToken cancellationToken = default) => inner.GetIdentityAsync(cancellationToken);

        public ValueTask<byte[]> ActivateCredentialAsync(CredentialChallenge challenge, CancellationToken cancellationToken = default) =>
            inner.ActivateCredentialAsync(challenge, cancellationToken);

        public ValueTask MeasureAsync(int pcr, uint eventType, ReadOnlyMemory<byte> content, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
            inner.MeasureAsync(pcr, eventType, content, data, cancellationToken);

        public ValueTask<QuoteEvidence> QuoteAsync(ReadOnlyMemory<byte> nonce, PcrSelection selection, CancellationToken cancellationToken = default) =>
            throw new TimeoutException("tpm2_quote did not answer");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
