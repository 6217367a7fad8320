using System.Buffers;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>
/// Requests (enrollment, attestation) as MQTT 5 request/response: the request names this client's response topic
/// (<c>grey/reply/&lt;site&gt;/&lt;client-id&gt;</c>) and carries 16 bytes of correlation data that the region echoes,
/// and names the site's home region in the user property <see cref="RegionProperty"/>.
/// </summary>
internal sealed partial class MqttUplink
{
    /// <summary>
    /// The MQTT 5 user property naming the site's home region on enrollment and attestation requests: their topics
    /// name no region, so with several regions on one broker only the region named here answers (docs/MQTT.md).
    /// </summary>
    public const string RegionProperty = "Grey-Region";

    /// <summary>Bytes of correlation data per request.</summary>
    public const int CorrelationBytes = 16;

    private readonly Dictionary<string, TaskCompletionSource<byte[]>> pending = new(StringComparer.Ordinal);

    /// <summary>Requests waiting for a reply now.</summary>
    public int PendingRequests
    {
        get
        {
            lock (pending)
            {
                return pending.Count;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<UplinkReply> RequestAsync(UplinkRequestKind kind, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var topic = topics.Request(kind);
        if (!IsConnected)
        {
            Metrics.Request(failed: true);
            return new UplinkReply(null, lastError ?? "no link to the broker");
        }

        var correlation = new byte[CorrelationBytes];
        lock (random)
        {
            random.NextBytes(correlation);
        }

        var key = Convert.ToHexString(correlation);
        var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (pending)
        {
            if (pending.Count >= options.MaxPendingRequests)
            {
                Metrics.Request(failed: true);
                return new UplinkReply(null, $"too many requests waiting (limit {options.MaxPendingRequests})");
            }

            pending[key] = reply;
        }

        var start = time.GetTimestamp();
        try
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayloadSegment(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithResponseTopic(topics.Reply)
                .WithCorrelationData(correlation)
                .WithUserProperty(RegionProperty, System.Text.Encoding.UTF8.GetBytes(topics.Region).AsMemory())
                .Build();
            using (var sendTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                sendTimeout.CancelAfter(timeout);
                var sent = await client.PublishAsync(message, sendTimeout.Token).ConfigureAwait(false);
                if (sent.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers)
                {
                    Metrics.Request(failed: true);
                    return new UplinkReply(null, $"no region listens on {topic}");
                }

                if (!sent.IsSuccess)
                {
                    Metrics.Request(failed: true);
                    return new UplinkReply(null, $"the broker refused the request on {topic}: {sent.ReasonCode}");
                }
            }

            var left = timeout - time.GetElapsedTime(start);
            var bytes = await reply.Task.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, time, cancellationToken).ConfigureAwait(false);
            Metrics.Request(failed: false);
            return new UplinkReply(bytes, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Metrics.Request(failed: true);
            return new UplinkReply(null, $"the request on {topic} was not sent within {timeout.TotalSeconds:0.#} s");
        }
        catch (TimeoutException)
        {
            Metrics.Request(failed: true);
            return new UplinkReply(null, $"no reply on {topic} within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is MqttCommunicationException or ObjectDisposedException or InvalidOperationException)
        {
            Metrics.Request(failed: true);
            return new UplinkReply(null, e.Message);
        }
        finally
        {
            lock (pending)
            {
                pending.Remove(key);
            }
        }
    }

    private void OnReply(MqttApplicationMessage message)
    {
        if (message.CorrelationData is not { Length: CorrelationBytes } correlation || message.Payload.Length > options.MaxInboundBytes)
        {
            // Not an answer to any request of ours (or too large to keep): dropped.
            return;
        }

        TaskCompletionSource<byte[]>? waiter;
        lock (pending)
        {
            pending.Remove(Convert.ToHexString(correlation), out waiter);
        }

        waiter?.TrySetResult(message.Payload.ToArray());
    }

    private void FailPendingRequests(string reason)
    {
        lock (pending)
        {
            foreach (var waiter in pending.Values)
            {
                waiter.TrySetException(new TimeoutException(reason));
            }

            pending.Clear();
        }
    }
}
