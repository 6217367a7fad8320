using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Results;
using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Hosting;
using Grey.Region.Tests.Support;

namespace Grey.Region.Daemon.Tests.Support;

/// <summary>
/// One real nats-server and one attestation fleet (registrar, verifier, software TPM nodes a1 and a2 of site-a, b1
/// of site-b, each with a delta-signing certificate bound in PCR 16) shared by a test class. Each test starts its
/// own region (own id, so its own stream) in process over the fleet's clock.
/// </summary>
public sealed class RegionFixture : IAsyncLifetime
{
    public const string AdminToken = "test-admin-token-0123456789";

    private readonly List<string> _folders = [];

    internal NatsServerProcess Nats { get; private set; } = null!;

    internal RegionFleet Fleet { get; private set; } = null!;

    internal EdgeNode A1 { get; private set; } = null!;

    internal EdgeNode A2 { get; private set; } = null!;

    internal EdgeNode B1 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Nats = await NatsServerProcess.StartAsync();
        Fleet = new RegionFleet(seed: 7);
        A1 = await Fleet.EnrollAsync("a1", "site-a");
        A2 = await Fleet.EnrollAsync("a2", "site-a");
        B1 = await Fleet.EnrollAsync("b1", "site-b");
    }

    public async Task DisposeAsync()
    {
        await Nats.DisposeAsync();
        await Fleet.DisposeAsync();
        foreach (string f in _folders.Where(Directory.Exists))
        {
            Directory.Delete(f, recursive: true);
        }
    }

    /// <summary>A fresh temp folder, deleted with the fixture.</summary>
    public string NewFolder()
    {
        string f = Path.Combine(Path.GetTempPath(), "grey-regiond-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(f);
        _folders.Add(f);
        return f;
    }

    /// <summary>Starts a region in process on a free API port, over this fixture's broker and clock.</summary>
    internal Task<RegionDaemon> StartRegionAsync(string region, string data, X509Certificate2 certificate, bool dev = true, string? token = AdminToken,
        IReadOnlyList<string>? peers = null, string? peerCerts = null, RegionHostOptions? hostOptions = null,
        Func<IRegionTransport, IRegionTransport>? wrapTransport = null, Grey.Region.Daemon.Nats.NatsTransportLimits? natsLimits = null)
    {
        var options = new RegionDaemonOptions
        {
            Region = region,
            DataDirectory = data,
            Api = new IPEndPoint(IPAddress.Loopback, 0),
            NatsUrls = [Nats.Url],
            PeerRegions = peers ?? [],
            PeerCertsDirectory = peerCerts,
            Dev = dev,
            AdminToken = token,
        };
        var deps = new RegionDaemonDependencies
        {
            Time = Fleet.Time,
            SigningCertificate = certificate,
            AttestationResultKey = RegionFleet.PublicOnly(Fleet.ResultKey),
            WrapTransport = wrapTransport,
            NatsLimits = natsLimits ?? new Grey.Region.Daemon.Nats.NatsTransportLimits(),
            HostOptions = hostOptions ?? new RegionHostOptions { RegionDeltaInterval = TimeSpan.FromMilliseconds(1), RegionDeltaRepeat = TimeSpan.FromMilliseconds(1) },
        };
        return RegionDaemon.StartAsync(options, deps);
    }

    /// <summary>Enrols <paramref name="node"/> in the region and applies a fresh passing attestation result from the fleet's verifier.</summary>
    internal async Task AdmitAsync(RegionDaemon daemon, EdgeNode node)
    {
        Assert.Null(daemon.Enroll(node.Id, node.Site, X509CertificateLoader.LoadCertificate(node.Certificate.RawData)));
        Assert.Equal(ResultCheck.Accepted, daemon.ApplyAttestationResult(node.Id, await Fleet.AttestAsync(node)));
    }

    /// <summary>A region signing certificate (with its private key).</summary>
    internal static X509Certificate2 RegionCertificate(string region) => RegionFleet.CreateCertificate(region + ".region");
}
