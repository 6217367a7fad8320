using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Grey.Edge.Devices;
using Grey.Edge.Uplink.Mqtt.Tests.Support;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Grey.Edge.Uplink.Mqtt.Tests.Devices;

/// <summary>The device listener over TLS, devices logging in with client certificates of the device CA.</summary>
public sealed class DeviceListenerTlsTests : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "grey-devices-tls-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly ConcurrentQueue<string> writes = new();
    private readonly int port = Mosquitto.FreePort();
    private TestCertificates? devices;
    private TestCertificates? stranger;
    private DeviceListener? listener;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        devices = new TestCertificates(directory, "devices");
        stranger = new TestCertificates(directory, "stranger");
        var (_, _, server) = devices.Issue("edge-listener", server: true);
        listener = await DeviceListener.StartAsync(
            new DeviceListenerOptions { Endpoint = $"127.0.0.1:{port}", ServerCertificateFile = server, ClientCaFile = devices.CaFile },
            (key, _, _) =>
            {
                writes.Enqueue(key);
                return ValueTask.FromResult(DeviceWriteResult.Committed);
            },
            TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        if (listener is not null)
        {
            await listener.DisposeAsync();
        }

        Directory.Delete(directory, recursive: true);
    }

    private async Task<(IMqttClient Client, Exception? Error)> ConnectAsync(string? certificateFile)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var certificates = new List<X509Certificate2>();
        if (certificateFile is not null)
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificateFile);
            certificates.Add(X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null));
        }

        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("tls-device-" + Guid.NewGuid().ToString("N")[..6])
            .WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(o => o.UseTls().WithTargetHost("127.0.0.1").WithClientCertificates(certificates).WithCertificateValidationHandler(_ => true))
            .Build();
        try
        {
            await client.ConnectAsync(options);
            return (client, null);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or System.Security.Authentication.AuthenticationException or IOException)
        {
            return (client, e);
        }
    }

    [Fact]
    public async Task Publish_DeviceWithCertificateOfTheDeviceCa_LogsInAndWrites()
    {
        var (_, _, certificate) = devices!.Issue("sensor-cert-1", server: false);
        var (client, error) = await ConnectAsync(certificate);
        using var _ = client;

        Assert.Null(error);
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("grey/kv/tls/t").WithPayload([1])
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        Assert.Equal("tls/t", Assert.Single(writes));
    }

    [Fact]
    public async Task Connect_CertificateOfAnotherCa_Refused()
    {
        var (_, _, certificate) = stranger!.Issue("sensor-cert-2", server: false);
        var (client, error) = await ConnectAsync(certificate);
        using var _ = client;

        Assert.True(error is not null || !client.IsConnected, "a device with a foreign certificate got in");
        Assert.Empty(writes);
    }

    [Fact]
    public async Task Connect_NoCertificateAndNoUsersFile_Refused()
    {
        var (client, error) = await ConnectAsync(null);
        using var _ = client;

        Assert.True(error is not null || !client.IsConnected, "a device without a certificate got in");
    }
}
