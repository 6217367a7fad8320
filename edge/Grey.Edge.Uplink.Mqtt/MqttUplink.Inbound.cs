using System.Buffers;
using MQTTnet;
using MQTTnet.Protocol;

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>The incoming path: subscriptions and messages from the region into <see cref="Inbound"/>.</summary>
internal sealed partial class MqttUplink
{
    // Subscribes the site's topics at QoS 1 (idempotent: a resumed session already has them). Returns why not.
    private async ValueTask<string?> SubscribeAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var topic in new[] { topics.Ack, topics.Nak, topics.Revoke, topics.Desired, topics.Reply })
        {
            builder = builder.WithTopicFilter(f => f.WithTopic(topic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
        }

        var result = await client.SubscribeAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        var refused = result.Items.Where(i => i.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2)).ToList();
        foreach (var item in refused)
        {
            MqttUplinkLog.SubscribeRefused(logger, options.Site, item.TopicFilter.Topic, item.ResultCode.ToString());
        }

        return refused.Count == 0 ? null : "subscription refused: " + string.Join(", ", refused.Select(i => $"{i.TopicFilter.Topic} ({i.ResultCode})"));
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        var topic = message.Topic;
        if (topic == topics.Reply)
        {
            OnReply(message);
            return;
        }

        if (topics.InboundKind(topic) is not { } kind)
        {
            // Nothing else is subscribed; a stray message is acknowledged (by default) and ignored.
            return;
        }

        var length = message.Payload.Length;
        if (length > options.MaxInboundBytes)
        {
            // Acknowledged and dropped: a message this large would be refused every time it came back.
            Metrics.Oversized();
            MqttUplinkLog.Oversized(logger, options.Site, topic, length, options.MaxInboundBytes);
            return;
        }

        Metrics.Inbound();
        var payload = message.Payload.ToArray();
        if (kind != UplinkInboundKind.Desired)
        {
            await WriteInboundAsync(new UplinkInbound(kind, payload, Name)).ConfigureAwait(false);
            return;
        }

        // A desired change stays unacknowledged at the broker until the node has handled it (proposed through Raft
        // and committed): the outbox calls Settle, which sends the PUBACK. Unsettled changes come back with the
        // persistent session after a reconnect or restart; the node applies each sequence number once.
        args.AutoAcknowledge = false;
        long connection;
        lock (linkGate)
        {
            connection = generation;
        }

        var settled = 0;
        async ValueTask Settle()
        {
            if (Interlocked.Exchange(ref settled, 1) != 0 || !client.IsConnected)
            {
                return;
            }

            lock (linkGate)
            {
                if (connection != generation)
                {
                    // The connection that delivered it is gone: the broker redelivers it on the new one, and that
                    // copy is the one to acknowledge.
                    return;
                }
            }

            try
            {
                await args.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or ObjectDisposedException or InvalidOperationException)
            {
                // The link broke in between: the broker redelivers and the node skips the known sequence number.
            }
        }

        await WriteInboundAsync(new UplinkInbound(kind, payload, Name, Settle)).ConfigureAwait(false);
    }

    private async ValueTask WriteInboundAsync(UplinkInbound item)
    {
        try
        {
            await inbound.WriteAsync(item, stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: an unsettled desired change stays at the broker for the next run.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
