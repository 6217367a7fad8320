using System.Buffers;
using System.Globalization;
using System.Text;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Grey.Federation.Messages;
using Grey.Region.Daemon.Tests.Support;
using MQTTnet;
using MQTTnet.Protocol;

namespace Grey.Region.Daemon.Tests.Mqtt;

/// <summary>A stand-in for a site's MQTT uplink: publishes deltas at QoS 1 with Grey-Msg-Id and Grey-Committed, and collects acks and NAKs.</summary>
internal sealed class MqttSiteClient : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private MqttSiteClient(IMqttClient client, string site)
    {
        _client = client;
        Site = site;
        _client.ApplicationMessageReceivedAsync += args =>
        {
            byte[] payload = args.ApplicationMessage.Payload.ToArray();
            string topic = args.ApplicationMessage.Topic;
            (topic == "grey/ack/" + Site ? Acks : topic == "grey/nak/" + Site ? Naks : Replies).Writer.TryWrite(payload);
            if (topic.StartsWith("grey/reply/", StringComparison.Ordinal))
            {
                ReplyCorrelations.Writer.TryWrite(args.ApplicationMessage.CorrelationData ?? []);
            }

            return Task.CompletedTask;
        };
    }

    public string Site { get; }

    public Channel<byte[]> Acks { get; } = Channel.CreateUnbounded<byte[]>();

    public Channel<byte[]> Naks { get; } = Channel.CreateUnbounded<byte[]>();

    public Channel<byte[]> Replies { get; } = Channel.CreateUnbounded<byte[]>();

    public Channel<byte[]> ReplyCorrelations { get; } = Channel.CreateUnbounded<byte[]>();

    public static Task<MqttSiteClient> StartAsync(MosquittoProcess broker, string site) => StartAsync(broker.Host, broker.Port, site);

    public static async Task<MqttSiteClient> StartAsync(string host, int port, string site)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId("test-site-" + site + "-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanStart(true)
            .Build();
        var self = new MqttSiteClient(client, site);
        await client.ConnectAsync(options);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic("grey/ack/" + site).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .WithTopicFilter(f => f.WithTopic("grey/nak/" + site).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .WithTopicFilter(f => f.WithTopic($"grey/reply/{site}/#").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build());
        return self;
    }

    /// <summary>Publishes on <c>grey/delta/&lt;region&gt;/&lt;site&gt;</c> at QoS 1 and returns the broker's PUBACK reason.</summary>
    public async Task<MqttClientPublishReasonCode> PublishAsync(string region, byte[] wire, string messageId, ulong? committed = null, string? topicSite = null)
    {
        MqttApplicationMessageBuilder message = new MqttApplicationMessageBuilder()
            .WithTopic($"grey/delta/{region}/{topicSite ?? Site}")
            .WithPayload(wire)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty("Grey-Msg-Id", Encoding.UTF8.GetBytes(messageId).AsMemory());
        if (committed is { } c)
        {
            message = message.WithUserProperty("Grey-Committed", Encoding.UTF8.GetBytes(c.ToString(CultureInfo.InvariantCulture)).AsMemory());
        }

        MqttClientPublishResult result = await _client.PublishAsync(message.Build());
        return result.ReasonCode;
    }

    /// <summary>Publishes a request with a response topic in the site's reply tree and the given correlation data.</summary>
    public Task PublishRequestAsync(string topic, byte[] payload, string responseTopic, byte[] correlation, string? region = null)
    {
        MqttApplicationMessageBuilder message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic(responseTopic)
            .WithCorrelationData(correlation);
        return _client.PublishAsync((region is null ? message : message.WithUserProperty("Grey-Region", Encoding.UTF8.GetBytes(region).AsMemory())).Build());
    }

    /// <summary>Reads acks (verifying each with the region's certificate) until one reaches <paramref name="mergedIndex"/>.</summary>
    public async Task<RegionAck> WaitAckAsync(X509Certificate2 regionCertificate, ulong mergedIndex, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            byte[] wire;
            try
            {
                wire = await Acks.Reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no ack of {Site} at {mergedIndex}");
            }

            RegionAck ack = SiteClient.VerifyAck(wire, regionCertificate);
            if (ack.MergedIndex >= mergedIndex)
            {
                return ack;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
        }

        _client.Dispose();
    }
}
