using System.Security.Cryptography.X509Certificates;
using Grey.Region.Registry;
using Grey.Region.Storage;

namespace Grey.Region.Tests.Support;

/// <summary>A region "r0" over a fleet's registry, with two admitted nodes of site-a and one of site-b.</summary>
internal sealed class RegionHarness : IAsyncDisposable
{
    private RegionHarness(RegionFleet fleet, NodeRegistry registry, EdgeNode a1, EdgeNode a2, EdgeNode b1)
    {
        Fleet = fleet;
        Registry = registry;
        A1 = a1;
        A2 = a2;
        B1 = b1;
    }

    public static X509Certificate2 R0Certificate { get; } = RegionFleet.CreateCertificate("r0.region");

    public static X509Certificate2 R1Certificate { get; } = RegionFleet.CreateCertificate("r1.region");

    public RegionFleet Fleet { get; }

    public NodeRegistry Registry { get; }

    public EdgeNode A1 { get; }

    public EdgeNode A2 { get; }

    public EdgeNode B1 { get; }

    public SiteLog SiteA { get; } = new("site-a", 0x1122334455667788, 40);

    public static async Task<RegionHarness> CreateAsync()
    {
        var fleet = new RegionFleet();
        NodeRegistry registry = fleet.NewRegistry();
        EdgeNode a1 = await fleet.EnrollAsync("a1", "site-a");
        EdgeNode a2 = await fleet.EnrollAsync("a2", "site-a");
        EdgeNode b1 = await fleet.EnrollAsync("b1", "site-b");
        foreach (EdgeNode n in new[] { a1, a2, b1 })
        {
            await fleet.AdmitAsync(registry, n);
        }

        return new RegionHarness(fleet, registry, a1, a2, b1);
    }

    public RegionCore Open(IRegionFileSystem fs, RegionOptions? options = null, string region = "r0") =>
        RegionCore.Open(region, region == "r0" ? R0Certificate : R1Certificate, Registry, fs, Fleet.Time, options,
            new Dictionary<string, X509Certificate2>
            {
                ["r0"] = X509CertificateLoader.LoadCertificate(R0Certificate.RawData),
                ["r1"] = X509CertificateLoader.LoadCertificate(R1Certificate.RawData),
            });

    public ValueTask DisposeAsync() => Fleet.DisposeAsync();
}
