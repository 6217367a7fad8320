using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Grey.Edge.Uplink.Mqtt.Tests.Support;

/// <summary>A plain MQTTnet 5 client standing in for the region (or a device) in tests; records what it receives.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    private TestClient(IMqttClient client) => Client = client;

    public IMqttClient Client { get; }

    public ConcurrentQueue<MqttApplicationMessage> Received { get; } = new();

    public Func<MqttApplicationMessage, Task>? OnMessage { get; set; }

    public static async Task<(TestClient? Client, MqttClientConnectResult? Result, Exception? Error)> TryConnectAsync(
        string host, int port, string clientId, string? user = null, string? password = null, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var wrapper = new TestClient(client);
        client.ApplicationMessageReceivedAsync += async e =>
        {
            wrapper.Received.Enqueue(e.ApplicationMessage);
            if (wrapper.OnMessage is { } handler)
            {
                await handler(e.ApplicationMessage);
            }
        };
        var builder = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId(clientId).WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (user is not null)
        {
            builder = builder.WithCredentials(user, password);
        }

        try
        {
            var result = await client.ConnectAsync(builder.Build());
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                client.Dispose();
                return (null, result, null);
            }

            return (wrapper, result, null);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            client.Dispose();
            return (null, null, e);
        }
    }

    public static async Task<TestClient> ConnectAsync(int port, string clientId, string? user = null, string? password = null)
    {
        var (client, result, error) = await TryConnectAsync("127.0.0.1", port, clientId, user, password);
        return client ?? throw new InvalidOperationException($"test client could not connect: {result?.ResultCode} {error}");
    }

    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter)
    {
        var result = await Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build());
        return result.Items.Single().ResultCode;
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).Build());

    public async Task<MqttApplicationMessage> WaitForAsync(Func<MqttApplicationMessage, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = Received.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("no matching message arrived");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Client.IsConnected)
            {
                await Client.DisconnectAsync(new MqttClientDisconnectOptions());
            }
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Gone already.
        }

        Client.Dispose();
    }

    public static byte[] Bytes(MqttApplicationMessage message) => message.Payload.ToArray();
}
