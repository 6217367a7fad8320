using Grey.Attestation.Attesters;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Randomness;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Tests.Enrollment;

/// <summary>What the region service keeps across restarts, and how it refuses a state directory it must not use.</summary>
public sealed class EnrollmentServiceStoreTests
{
    [Fact]
    public void Open_Restarted_SameRegionSigningCertificate_RenewedWhenNearItsEnd()
    {
        using var world = new EnrollmentWorld();
        byte[] first = world.Service.SigningCertificate.RawData;
        Assert.True(world.Service.SigningCertificate.HasPrivateKey);
        Assert.True(RegionTrust.ChainsTo(world.Service.CaCertificate, world.Service.SigningCertificate, world.Time.GetUtcNow(), out _));

        world.RestartService();
        Assert.Equal(first, world.Service.SigningCertificate.RawData);

        world.Time.Advance(TimeSpan.FromDays(336));
        world.RestartService();
        Assert.NotEqual(first, world.Service.SigningCertificate.RawData);
        Assert.True(RegionTrust.ChainsTo(world.Service.CaCertificate, world.Service.SigningCertificate, world.Time.GetUtcNow(), out _));
    }

    [Fact]
    public void Open_StateOfAnotherRegion_Throws()
    {
        using var world = new EnrollmentWorld();
        var options = new EnrollmentServiceOptions("us-east", world.RegionDirectory) { Development = true };
        Assert.Throws<InvalidDataException>(() => EnrollmentService.Open(options, world.Time, new SeededRandomSource(1)));
    }

    [Fact]
    public async Task Open_CorruptNodeFile_ThrowsNamingTheFile()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        Assert.True((await world.OpenClient(world.StartTpm(data), data).RefreshAsync()).Succeeded);
        string file = Path.Combine(world.RegionDirectory, "nodes", "node-1.json");
        await File.WriteAllTextAsync(file, "{\"NodeId\": \"node-1\", \"State\": 7");
        InvalidDataException e = Assert.Throws<InvalidDataException>(world.RestartService);
        Assert.Contains("node-1.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_StoredEnrollmentNoLongerReplays_WarnsAndStillRefusesAnotherEk()
    {
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        Assert.True((await world.OpenClient(world.StartTpm(data), data).RefreshAsync()).Succeeded);
        world.Service.Dispose();

        // The same state opened by a production region that no longer pins the development manufacturer.
        using SoftwareManufacturer other = SoftwareManufacturer.Create(world.Time);
        using RegionCertificateAuthority devCa = DevelopmentAuthorities.CreateRegionAuthority();
        var production = new EnrollmentServiceOptions(EnrollmentWorld.Region, world.RegionDirectory)
        {
            Authority = devCa,
            ManufacturerRoots = [other.Root],
            EnrollmentTokens = new HashSet<string> { "t" },
        };
        using EnrollmentService service = EnrollmentService.Open(production, world.Time, new SeededRandomSource(3));
        Assert.Contains(service.LoadWarnings, w => w.Contains("node-1", StringComparison.Ordinal) && w.Contains("ek-certificate-untrusted", StringComparison.Ordinal));
        Assert.Single(service.Nodes());

        // An impostor TPM of the trusted manufacturer, with a valid token, still cannot take the node id.
        await using SoftwareTpm impostor = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256]), other, world.Time);
        EnrollmentRequestSender send = async (kind, payload, timeout, ct) => EnrollmentReply.Of(
            (kind == EnrollmentRequestKind.Enroll ? await service.HandleEnrollAsync(EnrollmentWorld.Site, payload, ct) : await service.HandleAttestAsync(EnrollmentWorld.Site, payload, ct)).Reply);
        using var client = EnrollmentClient.Open(impostor, new EnrollmentClientOptions("node-1", EnrollmentWorld.Site, world.NewDirectory()) { EnrollmentToken = "t" }, world.Time, send);
        EnrollmentServiceTests.AssertRefused(await client.RefreshAsync(), "identity-conflict");

        // Reopen the world's own service so its Dispose has something to dispose.
        world.RestartServiceAfterExternalDispose();
    }
}
