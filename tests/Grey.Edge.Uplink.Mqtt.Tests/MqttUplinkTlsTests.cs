using Grey.Edge.Uplink.Mqtt.Tests.Support;

namespace Grey.Edge.Uplink.Mqtt.Tests;

/// <summary>
/// The uplink over <c>mqtts://</c> to a mosquitto that requires a client certificate from the test CA and checks
/// it (use_identity_as_username): the uplink verifies the broker against its CA file and presents its own.
/// </summary>
public sealed class MqttUplinkTlsTests : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "grey-mqtt-tls-" + Guid.NewGuid().ToString("N")[..12]);
    private TestCertificates? trusted;
    private TestCertificates? stranger;
    private Mosquitto? broker;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        trusted = new TestCertificates(directory, "trusted");
        stranger = new TestCertificates(directory, "stranger");
        var (serverCertificate, serverKey, _) = trusted.Issue("broker", server: true);
        broker = await Mosquitto.StartAsync(string.Join('\n',
            $"cafile {trusted.CaFile}",
            $"certfile {serverCertificate}",
            $"keyfile {serverKey}",
            "require_certificate true",
            "use_identity_as_username true",
            "allow_anonymous false"));
    }

    public async Task DisposeAsync()
    {
        if (broker is not null)
        {
            await broker.DisposeAsync();
        }

        Directory.Delete(directory, recursive: true);
    }

    private MqttUplinkOptions Options(string? caFile, string? certificate) =>
        MqttUplinkTests.Options($"mqtts://127.0.0.1:{broker!.Port}", "site-tls") with { CaFile = caFile, ClientCertificateFile = certificate };

    [Fact]
    public async Task Start_TrustedBrokerAndClientCertificate_ComesUpAndShips()
    {
        var (_, _, client) = trusted!.Issue("site-tls", server: false);
        var logs = new CapturingLoggerFactory();

        await using var uplink = await MqttUplinkTests.StartReadyAsync(Options(trusted.CaFile, client), logs: logs);
        var result = await uplink.PublishDeltaAsync(new OutgoingDelta("site-tls:1:1-1", 1, 1, new byte[] { 1 }, 1), CancellationToken.None);

        Assert.True(result.Stored, result.Detail);
        Assert.Equal("mqtts://127.0.0.1:" + broker!.Port, uplink.Broker);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("PRIVATE KEY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_BrokerSignedByAnotherCa_NeverComesUp()
    {
        var (_, _, client) = trusted!.Issue("site-tls-2", server: false);

        await using var uplink = MqttUplink.Start(Options(stranger!.CaFile, client), TimeProvider.System, new Random(5));

        Assert.False(await uplink.WaitUntilReadyAsync(TimeSpan.FromSeconds(3)));
        Assert.NotNull(uplink.LastError);
    }

    [Fact]
    public async Task Start_ClientCertificateOfAnotherCa_RefusedByTheBroker()
    {
        var (_, _, client) = stranger!.Issue("site-tls-3", server: false);

        await using var uplink = MqttUplink.Start(Options(trusted!.CaFile, client), TimeProvider.System, new Random(6));

        Assert.False(await uplink.WaitUntilReadyAsync(TimeSpan.FromSeconds(3)));
        Assert.NotNull(uplink.LastError);
    }

    [Fact]
    public void Start_CertificateFileWithoutKey_RefusedAtStart()
    {
        var (certificateOnly, _, _) = trusted!.Issue("site-tls-4", server: false);

        var error = Assert.Throws<ArgumentException>(() => MqttUplink.Start(Options(trusted.CaFile, certificateOnly), TimeProvider.System, new Random(7)));

        Assert.Contains("certificate", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
