using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Grey.Integration.Tests.Mqtt;

/// <summary>
/// An MQTT client on the federation's mosquitto that sees what the site ships (a QoS 1 subscriber to
/// <c>grey/delta/&lt;region&gt;/&lt;site&gt;</c>, clean session) and publishes crafted deltas straight onto that topic,
/// as a misbehaving or hostile client with broker access would.
/// </summary>
internal sealed class MqttDeltaTap : IAsyncDisposable
{
    /// <summary>The most deltas kept (the oldest are dropped beyond it).</summary>
    public const int MaxCaptured = 10_000;

    private readonly IMqttClient _client;
    private readonly MqttClientOptions _options;
    private readonly MqttClientSubscribeOptions _subscription;
    private readonly List<byte[]> _captured = [];

    private MqttDeltaTap(IMqttClient client, MqttClientOptions options, MqttClientSubscribeOptions subscription)
    {
        _client = client;
        _options = options;
        _subscription = subscription;
        _client.ApplicationMessageReceivedAsync += args =>
        {
            lock (_captured)
            {
                if (_captured.Count == MaxCaptured)
                {
                    _captured.RemoveAt(0);
                }

                _captured.Add(args.ApplicationMessage.Payload.ToArray());
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The deltas seen so far, oldest first.</summary>
    public IReadOnlyList<byte[]> Captured
    {
        get
        {
            lock (_captured)
            {
                return [.. _captured];
            }
        }
    }

    public static async Task<MqttDeltaTap> StartAsync(int port, string region, string site)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptions options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId("test-tap-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanStart(true)
            .Build();
        MqttClientSubscribeOptions subscription = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic($"grey/delta/{region}/{site}").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build();
        var tap = new MqttDeltaTap(client, options, subscription);
        await tap.EnsureConnectedAsync();
        return tap;
    }

    /// <summary>Connects (again, after a broker restart cut the link) and subscribes; deltas shipped meanwhile are not seen.</summary>
    public async Task EnsureConnectedAsync()
    {
        if (!_client.IsConnected)
        {
            await _client.ConnectAsync(_options);
            await _client.SubscribeAsync(_subscription);
        }
    }

    /// <summary>Publishes <paramref name="wire"/> on <c>grey/delta/&lt;region&gt;/&lt;site&gt;</c> at QoS 1 with a <c>Grey-Msg-Id</c>; returns the broker's PUBACK reason.</summary>
    public async Task<MqttClientPublishReasonCode> PublishAsync(string region, string site, byte[] wire, string messageId)
    {
        MqttApplicationMessage message = new MqttApplicationMessageBuilder()
            .WithTopic($"grey/delta/{region}/{site}")
            .WithPayload(wire)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty("Grey-Msg-Id", Encoding.UTF8.GetBytes(messageId).AsMemory())
            .Build();
        await EnsureConnectedAsync();
        MqttClientPublishResult result = await _client.PublishAsync(message);
        return result.ReasonCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
