using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace Grey.Ctl.Fleet;

/// <summary>
/// <see cref="IDeltaTap"/> over MQTT (mosquitto or the embedded broker): a QoS 1 subscription to <c>grey/delta/#</c>,
/// and QoS 1 publishes on the same topic with the captured user properties (the message id replaced).
/// </summary>
internal sealed class MqttDeltaTap : IDeltaTap
{
    /// <summary>The user property the region de-duplicates on (as the edge's MQTT uplink sets it).</summary>
    public const string MessageIdProperty = "Grey-Msg-Id";

    /// <summary>Longest wait for one connect or publish.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly IMqttClient _client;
    private readonly MqttClientOptions _options;
    private readonly ConcurrentDictionary<string, CapturedDelta> _latest = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connect = new(1, 1);
    private long _seen;

    private MqttDeltaTap(IMqttClient client, MqttClientOptions options)
    {
        _client = client;
        _options = options;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            string[] parts = e.ApplicationMessage.Topic.Split('/');
            if (parts.Length == 4)
            {
                var properties = (e.ApplicationMessage.UserProperties ?? [])
                    .Select(p => new KeyValuePair<string, byte[]>(p.Name, p.ValueBuffer.ToArray())).ToList();
                _latest[parts[3]] = new CapturedDelta(parts[2], parts[3], e.ApplicationMessage.Payload.ToArray(), properties);
                Interlocked.Increment(ref _seen);
            }

            return Task.CompletedTask;
        };
    }

    /// <inheritdoc />
    public long Seen => Interlocked.Read(ref _seen);

    /// <summary>Connects to <paramref name="url"/> (mqtt://HOST:PORT) and subscribes.</summary>
    public static async Task<MqttDeltaTap> StartAsync(string url, CancellationToken cancellationToken)
    {
        var uri = new Uri(url);
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptions options = new MqttClientOptionsBuilder()
            .WithTcpServer(uri.Host, uri.Port)
            .WithClientId("greyctl-fleet-tap")
            .WithCleanStart(true)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTimeout(Timeout)
            .Build();
        var tap = new MqttDeltaTap(client, options);
        await tap.EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        return tap;
    }

    /// <inheritdoc />
    public CapturedDelta? Latest(string site) => _latest.GetValueOrDefault(site);

    /// <inheritdoc />
    public async Task PublishAsync(CapturedDelta like, ReadOnlyMemory<byte> wire, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(like);
        await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        MqttApplicationMessageBuilder builder = new MqttApplicationMessageBuilder()
            .WithTopic($"grey/delta/{like.Region}/{like.Site}")
            .WithPayload(wire.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        foreach ((string key, byte[] value) in like.Properties)
        {
            if (key != MessageIdProperty)
            {
                builder = builder.WithUserProperty(key, value.AsMemory());
            }
        }

        builder = builder.WithUserProperty(MessageIdProperty, System.Text.Encoding.UTF8.GetBytes(messageId).AsMemory());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        await _client.PublishAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            // Already gone.
        }

        _client.Dispose();
        _connect.Dispose();
    }

    /// <summary>(Re)connects and subscribes after a broker restart; the tap reconnects lazily, before it publishes.</summary>
    private async Task EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        await _connect.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client.IsConnected)
            {
                return;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            await _client.ConnectAsync(_options, timeout.Token).ConfigureAwait(false);
            await _client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic("grey/delta/#").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)).Build(),
                timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            _connect.Release();
        }
    }
}
