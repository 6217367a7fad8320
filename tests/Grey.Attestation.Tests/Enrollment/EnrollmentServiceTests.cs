using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Attesters;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Enrollment.Protocol;
using Grey.Attestation.Registration;
using Grey.Attestation.Revocation;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Tests.Enrollment;

public sealed class EnrollmentServiceTests
{
    [Fact]
    public async Task HandleEnrollAsync_ProductionWithoutToken_RefusedTokenMissing()
    {
        using var production = new ProductionRegion(tokens: ["s3cret"]);
        EnrollmentStepResult step = await production.EnrollAsync("node-1", token: null);
        AssertRefused(step, RefusalCodes.TokenMissing);
        Assert.Empty(production.World.Service.Nodes());
    }

    [Fact]
    public async Task HandleEnrollAsync_ProductionWrongToken_RefusedTokenInvalid()
    {
        using var production = new ProductionRegion(tokens: ["s3cret"]);
        AssertRefused(await production.EnrollAsync("node-1", token: "guess"), RefusalCodes.TokenInvalid);
    }

    [Fact]
    public async Task HandleEnrollAsync_ProductionRightToken_Enrolls()
    {
        using var production = new ProductionRegion(tokens: ["s3cret"]);
        EnrollmentStepResult step = await production.EnrollAsync("node-1", token: "s3cret");
        Assert.Equal(EnrollmentStepStatus.Attested, step.Status);
        Assert.Equal("node-1", Assert.Single(production.World.Service.Nodes()).NodeId);
    }

    [Fact]
    public async Task HandleEnrollAsync_EkNotInAllowList_RefusedEkNotAllowed()
    {
        using var production = new ProductionRegion(allowedEks: [new string('a', 64)]);
        AssertRefused(await production.EnrollAsync("node-1", token: null), RefusalCodes.EkNotAllowed);
    }

    [Fact]
    public async Task HandleEnrollAsync_EkInAllowList_EnrollsWithoutToken()
    {
        using var production = new ProductionRegion(allowedEks: [], allowNextTpm: true);
        Assert.Equal(EnrollmentStepStatus.Attested, (await production.EnrollAsync("node-1", token: null)).Status);
    }

    [Fact]
    public async Task HandleEnrollAsync_DevelopmentModeEkOfAnotherManufacturer_RefusedUntrusted()
    {
        using var world = new EnrollmentWorld();
        using SoftwareManufacturer other = SoftwareManufacturer.Create(world.Time);
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256]), other, world.Time);
        EnrollmentClient client = world.OpenClient(tpm, world.NewDirectory());

        // No token and not a development TPM: the admission policy refuses first; with a token the registrar's chain check does.
        AssertRefused(await client.RefreshAsync(), RefusalCodes.TokenMissing);
        EnrollmentClient withToken = world.OpenClient(tpm, world.NewDirectory(), configure: o => o with { EnrollmentToken = "whatever" });
        AssertRefused(await withToken.RefreshAsync(), RefusalCodes.TokenInvalid);
    }

    [Fact]
    public async Task HandleEnrollAsync_DevelopmentModeForeignEkWithValidToken_RefusedByChainCheck()
    {
        using var world = new EnrollmentWorld(o => o with { EnrollmentTokens = new HashSet<string> { "t" } });
        using SoftwareManufacturer other = SoftwareManufacturer.Create(world.Time);
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256]), other, world.Time);
        EnrollmentClient client = world.OpenClient(tpm, world.NewDirectory(), configure: o => o with { EnrollmentToken = "t" });
        AssertRefused(await client.RefreshAsync(), "ek-certificate-untrusted");
    }

    [Fact]
    public async Task HandleEnrollAsync_NodeIdReusedWithAnotherEk_RefusedIdentityConflictAlsoAfterRegionRestart()
    {
        using var world = new EnrollmentWorld();
        string first = world.NewDirectory();
        Assert.Equal(EnrollmentStepStatus.Attested, (await world.OpenClient(world.StartTpm(first), first).RefreshAsync()).Status);

        string impostor = world.NewDirectory();
        AssertRefused(await world.OpenClient(world.StartTpm(impostor), impostor).RefreshAsync(), "identity-conflict");

        world.RestartService();
        string impostor2 = world.NewDirectory();
        AssertRefused(await world.OpenClient(world.StartTpm(impostor2), impostor2).RefreshAsync(), "identity-conflict");
        Assert.Empty(world.Service.LoadWarnings);
    }

    [Fact]
    public async Task HandleEnrollAsync_SameEkUnderAnotherNodeId_RefusedEkInUse()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        SoftwareTpm tpm = world.StartTpm(data);
        Assert.Equal(EnrollmentStepStatus.Attested, (await world.OpenClient(tpm, data).RefreshAsync()).Status);
        AssertRefused(await world.OpenClient(tpm, world.NewDirectory(), node: "node-2").RefreshAsync(), "ek-in-use");
    }

    [Fact]
    public async Task HandleEnrollAsync_WrongActivatedSecret_RefusedActivationFailedAndSessionConsumed()
    {
        using var world = new EnrollmentWorld();
        byte[]? activation = null;
        world.TamperRequest = (kind, bytes) =>
        {
            if (EnrollmentCodec.Decode(bytes).Message is ActivateRequest a)
            {
                activation = EnrollmentCodec.Encode(a with { ActivatedSecret = [.. a.ActivatedSecret.Select(b => (byte)(b ^ 1))] });
                return activation;
            }

            return bytes;
        };
        string data = world.NewDirectory();
        AssertRefused(await world.OpenClient(world.StartTpm(data), data).RefreshAsync(), "credential-activation-failed");
        Assert.Empty(world.Service.Nodes());

        // The session is single use: answering it again, even with the same bytes, finds nothing pending.
        EnrollmentHandled again = await world.Service.HandleEnrollAsync(EnrollmentWorld.Site, activation!);
        Assert.Equal(RefusalCodes.SessionUnknown, again.RefusalCode);
    }

    [Fact]
    public async Task HandleEnrollAsync_SessionExpired_RefusedSessionExpired()
    {
        using var world = new EnrollmentWorld();
        world.TamperRequest = (kind, bytes) =>
        {
            if (EnrollmentCodec.Decode(bytes).Message is ActivateRequest)
            {
                world.Time.Advance(TimeSpan.FromMinutes(2));
            }

            return bytes;
        };
        string data = world.NewDirectory();
        AssertRefused(await world.OpenClient(world.StartTpm(data), data).RefreshAsync(), RefusalCodes.SessionExpired);
        Assert.Empty(world.Service.Nodes());
    }

    [Fact]
    public async Task HandleEnrollAsync_MorePendingSessionsThanAllowed_RefusedBusyUntilExpired()
    {
        using var world = new EnrollmentWorld(o => o with { MaxPendingSessions = 1 });
        string a = world.NewDirectory();
        string b = world.NewDirectory();
        byte[] first = EnrollmentCodec.Encode(await Request(world.StartTpm(a), "node-a"));
        byte[] second = EnrollmentCodec.Encode(await Request(world.StartTpm(b), "node-b"));

        Assert.Null((await world.Service.HandleEnrollAsync(EnrollmentWorld.Site, first)).RefusalCode);
        Assert.Equal(RefusalCodes.Busy, (await world.Service.HandleEnrollAsync(EnrollmentWorld.Site, second)).RefusalCode);
        Assert.Equal(1, world.Service.PendingSessions);
        world.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null((await world.Service.HandleEnrollAsync(EnrollmentWorld.Site, second)).RefusalCode);
        Assert.Equal(1, world.Service.PendingSessions);
    }

    [Fact]
    public async Task HandleEnrollAsync_RequestForAnotherSite_RefusedSiteMismatch()
    {
        using var world = new EnrollmentWorld();
        byte[] request = EnrollmentCodec.Encode(await Request(world.StartTpm(world.NewDirectory()), "node-1"));
        Assert.Equal(RefusalCodes.SiteMismatch, (await world.Service.HandleEnrollAsync("plant-8", request)).RefusalCode);

        // The site comes from a wildcard subject: an invalid one is refused, never thrown.
        Assert.Equal(RefusalCodes.SiteMismatch, (await world.Service.HandleEnrollAsync("Not.A.Site", request)).RefusalCode);
        Assert.Equal(RefusalCodes.SiteMismatch, (await world.Service.HandleAttestAsync("", request)).RefusalCode);
    }

    [Fact]
    public async Task HandleAsync_GarbageAndWrongSubject_RefusedNeverThrows()
    {
        using var world = new EnrollmentWorld();
        Assert.Equal(RefusalCodes.Malformed, (await world.Service.HandleEnrollAsync(EnrollmentWorld.Site, new byte[] { 0xFF, 0x00 })).RefusalCode);
        Assert.Equal(RefusalCodes.Malformed, (await world.Service.HandleAttestAsync(EnrollmentWorld.Site, Array.Empty<byte>())).RefusalCode);
        byte[] nonceRequest = EnrollmentCodec.Encode(new NonceRequest("node-1"));
        Assert.Equal(RefusalCodes.UnexpectedMessage, (await world.Service.HandleEnrollAsync(EnrollmentWorld.Site, nonceRequest)).RefusalCode);
        Assert.Equal(RefusalCodes.NodeUnknown, (await world.Service.HandleAttestAsync(EnrollmentWorld.Site, nonceRequest)).RefusalCode);
        EnrollmentHandled refused = await world.Service.HandleEnrollAsync(EnrollmentWorld.Site, new byte[] { 0x83, 0x02, 0x01, 0x00 });
        Assert.Equal(RefusalCodes.UnsupportedVersion, refused.RefusalCode);
        Refusal reply = Assert.IsType<Refusal>(EnrollmentCodec.Decode(refused.Reply).Message);
        Assert.Equal(RefusalCodes.UnsupportedVersion, reply.Code);
    }

    [Fact]
    public async Task HandleAttestAsync_ReplayedQuote_RefusedNonceReused()
    {
        using var world = new EnrollmentWorld();
        byte[]? quote = null;
        world.TamperRequest = (kind, bytes) =>
        {
            if (EnrollmentCodec.Decode(bytes).Message is QuoteResponse)
            {
                quote = bytes;
            }

            return bytes;
        };
        string data = world.NewDirectory();
        Assert.Equal(EnrollmentStepStatus.Attested, (await world.OpenClient(world.StartTpm(data), data).RefreshAsync()).Status);

        EnrollmentHandled replay = await world.Service.HandleAttestAsync(EnrollmentWorld.Site, quote!);
        Assert.Equal("nonce-reused", replay.RefusalCode);
        Assert.Null(replay.Attested);
    }

    [Fact]
    public async Task HandleAttestAsync_QuoteOfAnotherNodesTpm_RefusedAkNotEnrolled()
    {
        using var world = new EnrollmentWorld();
        string d1 = world.NewDirectory();
        string d2 = world.NewDirectory();
        EnrollmentClient one = world.OpenClient(world.StartTpm(d1), d1, node: "node-1");
        SoftwareTpm tpm2 = world.StartTpm(d2);
        EnrollmentClient two = world.OpenClient(tpm2, d2, node: "node-2");
        Assert.True((await one.RefreshAsync()).Succeeded);
        Assert.True((await two.RefreshAsync()).Succeeded);

        // node-2's TPM answers node-1's nonce and claims to be node-1, with node-1's certificate.
        var nonce = (NonceReply)EnrollmentCodec.Decode((await world.Service.HandleAttestAsync(EnrollmentWorld.Site, EnrollmentCodec.Encode(new NonceRequest("node-1")))).Reply).Message!;
        var evidence = (await tpm2.QuoteAsync(nonce.Nonce, EnrollmentServiceOptions.DefaultSelection)) with { DeltaSigningCertificate = one.SigningCertificate!.RawData };
        EnrollmentHandled forged = await world.Service.HandleAttestAsync(EnrollmentWorld.Site, EnrollmentCodec.Encode(new QuoteResponse("node-1", evidence)));
        Assert.Equal("ak-not-enrolled", forged.RefusalCode);

        // node-2 presenting node-1's certificate as its own is refused before the quote is judged.
        EnrollmentHandled wrongCert = await world.Service.HandleAttestAsync(EnrollmentWorld.Site, EnrollmentCodec.Encode(new QuoteResponse("node-2", evidence)));
        Assert.Equal(RefusalCodes.CertificateUnknown, wrongCert.RefusalCode);

        // And a node of this region asking on another site's subject is refused too.
        EnrollmentHandled wrongSite = await world.Service.HandleAttestAsync("plant-8", EnrollmentCodec.Encode(new NonceRequest("node-1")));
        Assert.Equal(RefusalCodes.WrongSite, wrongSite.RefusalCode);
    }

    [Fact]
    public async Task OpenAfterRestart_KeepsNodesAndClockHistory_ClientReattests()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        SoftwareTpm tpm = world.StartTpm(data);
        EnrollmentClient client = world.OpenClient(tpm, data);
        Assert.Equal(EnrollmentStepStatus.Attested, (await client.RefreshAsync()).Status);

        world.RestartService();
        EnrolledNode node = Assert.Single(world.Service.Nodes());
        Assert.Equal((NodeState.Enabled, EnrollmentWorld.Site), (node.State, node.Site));
        Assert.NotNull(node.LatestResult);
        Assert.Equal(client.SigningCertificate!.RawData, node.DeltaSigningCertificate.RawData);
        Assert.Equal(EnrollmentStepStatus.Attested, (await client.AttestAsync()).Status);

        // The restored clock history still catches a TPM whose counters went back.
        world.RestartService();
        tpm.SetCounters(0, 0, safe: true);
        EnrollmentStepResult back = await client.AttestAsync();
        AssertRefused(back, "counter-went-back");
    }

    [Fact]
    public async Task Revoke_IssuesNoticeTheEdgeAccepts_RefusesNodeAndSequenceSurvivesRestart()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        EnrollmentClient client = world.OpenClient(world.StartTpm(data), data);
        Assert.True((await client.RefreshAsync()).Succeeded);

        RevocationIssued issued = world.Service.Revoke("node-1")!;
        Assert.Equal(("grey.revoke.plant-7", 1UL), (issued.Subject, issued.Sequence));
        Assert.Equal(NoticeCheck.Accepted, client.AcceptRevocationNotice(issued.Wire, out RevocationNotice? notice));
        Assert.Equal((NodeState.Revoked, "node-1"), (notice!.State, notice.NodeId));
        Assert.Equal(NoticeCheck.Replayed, client.AcceptRevocationNotice(issued.Wire, out _));
        AssertRefused(await client.AttestAsync(), RefusalCodes.NodeNotEnabled);
        AssertRefused(await client.EnrollAsync(), "not-enabled");
        Assert.Null(world.Service.Revoke("nobody"));

        world.RestartService();
        Assert.Equal(NodeState.Revoked, Assert.Single(world.Service.Nodes()).State);
        AssertRefused(await client.EnrollAsync(), "not-enabled");
        RevocationIssued again = world.Service.Revoke("node-1")!;
        Assert.Equal(2UL, again.Sequence);
        Assert.Equal(NoticeCheck.Accepted, client.AcceptRevocationNotice(again.Wire, out _));

        // The region's own registry validator accepts the same notices.
        RevocationNoticeValidator validator = world.Service.CreateRevocationValidator();
        Assert.Equal(NoticeCheck.Accepted, validator.Accept(again.Notice, out _));
    }

    [Fact]
    public void Open_InvalidOptions_ListsEveryProblem()
    {
        var options = new EnrollmentServiceOptions("Not A Region", "")
        {
            MaxPendingSessions = 0,
            AllowedEkFingerprints = new HashSet<string> { "xyz" },
        };
        ArgumentException e = Assert.Throws<ArgumentException>(() => EnrollmentService.Open(options, TimeProvider.System, Randomness.CryptoRandomSource.Instance));
        Assert.Contains("Region", e.Message, StringComparison.Ordinal);
        Assert.Contains("StateDirectory", e.Message, StringComparison.Ordinal);
        Assert.Contains("Authority", e.Message, StringComparison.Ordinal);
        Assert.Contains("MaxPendingSessions", e.Message, StringComparison.Ordinal);
        Assert.Contains("fingerprints", e.Message, StringComparison.Ordinal);
    }

    internal static void AssertRefused(EnrollmentStepResult step, string code)
    {
        Assert.True(step.Status == EnrollmentStepStatus.Refused, step.ToString());
        Assert.Equal(code, step.Code);
    }

    private static async Task<EnrollRequest> Request(SoftwareTpm tpm, string node)
    {
        AttesterIdentity id = await tpm.GetIdentityAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new EnrollRequest(node, EnrollmentWorld.Site, id.EkPublic, id.EkCertificate, id.EkIntermediates, id.AkPublic, key.ExportSubjectPublicKeyInfo(), null, null);
    }

    /// <summary>A production region: its own CA, a pinned (non-development) software manufacturer, tokens or an EK allow-list.</summary>
    private sealed class ProductionRegion : IDisposable
    {
        private readonly SoftwareManufacturer _manufacturer;
        private readonly RegionCertificateAuthority _ca;
        private readonly SoftwareTpm _tpm;

        public ProductionRegion(string[]? tokens = null, string[]? allowedEks = null, bool allowNextTpm = false)
        {
            var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
            _manufacturer = SoftwareManufacturer.Create(time);
            _ca = RegionCertificateAuthority.Create("Region CA", time.GetUtcNow().AddDays(-1), time.GetUtcNow().AddYears(5));
            _tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256]), _manufacturer, time);
            var allowed = new HashSet<string>(allowedEks ?? [], StringComparer.Ordinal);
            if (allowNextTpm)
            {
                allowed.Add(EnrollmentService.EkFingerprint(_tpm.EkCertificate.RawData));
            }

            World = new EnrollmentWorld(o => o with
            {
                Development = false,
                Authority = _ca,
                ManufacturerRoots = [_manufacturer.Root],
                EnrollmentTokens = new HashSet<string>(tokens ?? [], StringComparer.Ordinal),
                AllowedEkFingerprints = allowed,
            });
        }

        public EnrollmentWorld World { get; }

        public async Task<EnrollmentStepResult> EnrollAsync(string node, string? token)
        {
            EnrollmentClient client = World.OpenClient(_tpm, World.NewDirectory(), node: node, configure: o => o with { EnrollmentToken = token });
            return await client.RefreshAsync();
        }

        public void Dispose()
        {
            World.Dispose();
            _tpm.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _ca.Dispose();
            _manufacturer.Dispose();
        }
    }
}
