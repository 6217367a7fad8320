using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Daemon.Hosting;
using Grey.Edge.Daemon.Tests.Support;
using Grey.Edge.Devices;
using MQTTnet;
using MQTTnet.Protocol;

namespace Grey.Edge.Daemon.Tests.Hosting;

/// <summary>
/// A one-node grey-edge with <c>--device-mqtt</c>: a real MQTTnet device's QoS 1 publish on <c>grey/kv/...</c> is
/// a committed put readable through the HTTP API; <c>desired/...</c> is refused and not written; a wrong password
/// cannot connect. Standalone and with <c>--region --mqtt</c>.
/// </summary>
public sealed class EdgeHostDevicesTests
{
    private const string Password = "device-pw-1";

    [Fact]
    public async Task DeviceListener_Standalone_PublishIsCommittedPutDesiredRefused()
    {
        var dir = Directory.CreateTempSubdirectory("grey-edge-dev-").FullName;
        try
        {
            await using var host = await EdgeHost.StartAsync(Options(dir), TimeProvider.System);
            await RunDeviceChecksAsync(host);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task DeviceListener_WithRegionOverMqtt_PublishIsCommittedPutAndInBacklog()
    {
        var dir = Directory.CreateTempSubdirectory("grey-edge-dev-region-").FullName;
        using var broker = await MosquittoProcess.StartAsync();
        try
        {
            await using var host = await EdgeHost.StartAsync(Options(dir) with { Region = "r1", MqttUrl = broker.Url }, TimeProvider.System);
            await RunDeviceChecksAsync(host);

            using var client = new HttpClient { BaseAddress = new Uri(host.ApiUrl), Timeout = TimeSpan.FromSeconds(20) };
            await WaitForAsync(client, s => s.GetProperty("uplink").GetProperty("backlog_entries").GetInt64() >= 1);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static DaemonOptions Options(string dir)
    {
        var users = Path.Combine(dir, "devices.users");
        using var rng = RandomNumberGenerator.Create();
        File.WriteAllText(users, DeviceUsers.HashLine("press-7", Password, rng, iterations: 1000) + "\n");
        return new DaemonOptions
        {
            NodeId = 1,
            Site = "site-dev",
            DataDirectory = Path.Combine(dir, "node"),
            Api = new IPEndPoint(IPAddress.Loopback, 0),
            TickMs = 20,
            DeviceMqtt = "127.0.0.1:" + FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            DeviceUsersFile = users,
        };
    }

    private static async Task RunDeviceChecksAsync(EdgeHost host)
    {
        Assert.NotNull(host.Devices);
        using var http = new HttpClient { BaseAddress = new Uri(host.ApiUrl), Timeout = TimeSpan.FromSeconds(20) };
        await WaitForAsync(http, s => s.GetProperty("role").GetString() == "leader");
        var port = int.Parse(host.Devices!.Endpoint.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

        var wrong = await ConnectAsync(port, "press-7", "not-the-password");
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, wrong.Result);

        var (device, result) = await ConnectAsync(port, "press-7", Password);
        Assert.Equal(MqttClientConnectResultCode.Success, result);
        using (device)
        {
            var put = await device!.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("grey/kv/line/1/speed").WithPayload("42.5"u8.ToArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.Equal(MqttClientPublishReasonCode.Success, put.ReasonCode);

            // The PUBACK came after the commit: a linearizable read right away sees it.
            using (var get = await http.GetAsync("/v1/kv/line/1/speed"))
            {
                Assert.Equal(HttpStatusCode.OK, get.StatusCode);
                Assert.Equal("42.5", Encoding.UTF8.GetString(await get.Content.ReadAsByteArrayAsync()));
            }

            var desired = await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("grey/kv/desired/x").WithPayload([1]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, desired.ReasonCode);
            using (var get = await http.GetAsync("/v1/kv/desired/x"))
            {
                Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
            }

            // The connection stays usable after the refusal.
            var again = await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("grey/kv/line/1/speed").WithPayload("43"u8.ToArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.Equal(MqttClientPublishReasonCode.Success, again.ReasonCode);
            Assert.Equal("43", await http.GetStringAsync("/v1/kv/line/1/speed"));
            await device.DisconnectAsync();
        }
    }

    private static async Task<(IMqttClient? Client, MqttClientConnectResultCode Result)> ConnectAsync(int port, string user, string password)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("dev-" + Guid.NewGuid().ToString("N")[..8])
            .WithCredentials(user, password).WithTimeout(TimeSpan.FromSeconds(10)).Build();
        try
        {
            var result = await client.ConnectAsync(options);
            return (client, result.ResultCode);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException e)
        {
            // MQTTnet throws for a refused CONNACK; its message names the reason code.
            client.Dispose();
            return (null, e.Message.Contains("BadUserNameOrPassword", StringComparison.Ordinal) ? MqttClientConnectResultCode.BadUserNameOrPassword : MqttClientConnectResultCode.UnspecifiedError);
        }
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient client, Func<JsonElement, bool> condition)
    {
        var watch = Stopwatch.StartNew();
        JsonElement last = default;
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/status"));
            last = doc.RootElement.Clone();
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("condition not met; last status: " + last);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
