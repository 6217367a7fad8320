using System.Security.Cryptography.X509Certificates;
using Grey.Region.Daemon.Mqtt;
using Grey.Region.Daemon.Nats;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Hosting;
using Grey.Region.Registry;
using Grey.Region.Storage;
using Grey.Region.Tests.Support;

namespace Grey.Region.Daemon.Tests.Mqtt;

/// <summary>
/// One real mosquitto (free loopback port, persistence in a temp folder) and one attestation fleet (software TPM
/// nodes a1 of site-a) shared by a test class. Each test runs its own region id, so its own topics and session.
/// </summary>
public sealed class MqttRegionFixture : IAsyncLifetime
{
    private readonly List<string> _folders = [];

    internal MosquittoProcess Broker { get; private set; } = null!;

    internal RegionFleet Fleet { get; private set; } = null!;

    internal EdgeNode A1 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Broker = await MosquittoProcess.StartAsync();
        Fleet = new RegionFleet(seed: 17);
        A1 = await Fleet.EnrollAsync("a1", "site-a");
    }

    public async Task DisposeAsync()
    {
        await Broker.DisposeAsync();
        await Fleet.DisposeAsync();
        foreach (string f in _folders.Where(Directory.Exists))
        {
            Directory.Delete(f, recursive: true);
        }
    }

    public string NewFolder()
    {
        string f = Path.Combine(Path.GetTempPath(), "grey-regiond-mqtt-store-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(f);
        _folders.Add(f);
        return f;
    }

    /// <summary>A registry with a1 enrolled and attested.</summary>
    internal async Task<NodeRegistry> AdmittedRegistryAsync()
    {
        NodeRegistry registry = Fleet.NewRegistry();
        await Fleet.AdmitAsync(registry, A1);
        return registry;
    }

    /// <summary>Starts a region (host over its store, MQTT transport with client id <c>grey-region-&lt;region&gt;</c>, loop running).</summary>
    internal async Task<MqttRegionRun> StartRegionAsync(string region, string store, X509Certificate2 certificate, NodeRegistry registry,
        Func<IRegionTransport, IRegionTransport>? wrap = null, RegionRequestHandler? requests = null, IRegionFileSystem? fileSystem = null)
    {
        var host = new RegionHost(() => RegionCore.Open(region, certificate, registry, fileSystem ?? new PhysicalRegionFileSystem(store), Fleet.Time), Fleet.Time,
            new RegionHostOptions { PublishRegionDeltas = false });
        MqttRegionTransport transport = await MqttRegionTransport.StartAsync(
            new MqttRegionConnection(Broker.Host, Broker.Port, "grey-region-" + region), region, [], new MqttRegionLimits { ReconnectDelay = TimeSpan.FromMilliseconds(100) },
            requests, CancellationToken.None);
        return new MqttRegionRun(host, transport, wrap?.Invoke(transport) ?? transport);
    }
}

/// <summary>A running region: its host, its transport, and the loop.</summary>
internal sealed class MqttRegionRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MqttRegionRun(RegionHost host, MqttRegionTransport transport, IRegionTransport loopTransport)
    {
        Host = host;
        Transport = transport;
        _loop = Task.Run(() => host.RunAsync(loopTransport, _stop.Token));
    }

    public RegionHost Host { get; }

    public MqttRegionTransport Transport { get; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // Stopped in the middle of sending a turn's output: the broker redelivers what was not settled.
        }

        await Transport.DisposeAsync();
        Host.Dispose();
        _stop.Dispose();
    }
}
