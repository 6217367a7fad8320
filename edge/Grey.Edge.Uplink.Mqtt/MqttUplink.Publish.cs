using System.Globalization;
using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>The outgoing path: deltas (QoS 1, bounded window, Polly) and status reports.</summary>
internal sealed partial class MqttUplink
{
    /// <summary>User property carrying the delta's de-duplication id (NATS: <c>Nats-Msg-Id</c>).</summary>
    public const string MessageIdProperty = "Grey-Msg-Id";

    /// <summary>User property carrying the site's highest committed index when the delta was sent, for lag.</summary>
    public const string CommittedProperty = "Grey-Committed";

    /// <inheritdoc />
    public async ValueTask<UplinkPublishResult> PublishDeltaAsync(OutgoingDelta delta, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (delta.Wire.IsEmpty || string.IsNullOrEmpty(delta.MessageId))
        {
            throw new ArgumentException("a delta needs a message id and wire bytes", nameof(delta));
        }

        if (!IsConnected)
        {
            // No waiting for a link that is down: the outbox resends when LinkUp arrives.
            var down = new UplinkPublishResult(UplinkPublishStatus.Unavailable, lastError ?? "no link to the broker");
            Metrics.Published(down, 0);
            return down;
        }

        await window.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topics.Delta)
                .WithPayloadSegment(delta.Wire)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithUserProperty(MessageIdProperty, Encoding.UTF8.GetBytes(delta.MessageId).AsMemory())
                .WithUserProperty(CommittedProperty, Encoding.UTF8.GetBytes(delta.CommittedIndex.ToString(CultureInfo.InvariantCulture)).AsMemory())
                .Build();
            UplinkPublishResult result;
            try
            {
                result = await publishPipeline.ExecuteAsync(static (state, ct) => state.Self.PublishOnceAsync(state.Message, ct), (Self: this, Message: message), cancellationToken).ConfigureAwait(false);
            }
            catch (BrokenCircuitException)
            {
                result = new UplinkPublishResult(UplinkPublishStatus.Unavailable, "circuit open after repeated failures");
            }
            catch (TimeoutRejectedException)
            {
                result = new UplinkPublishResult(UplinkPublishStatus.Unavailable, $"no PUBACK within {options.AttemptTimeout.TotalSeconds:0.#} s");
            }

            if (result.Status == UplinkPublishStatus.Rejected)
            {
                MqttUplinkLog.Rejected(logger, options.Site, delta.MessageId, result.Detail ?? string.Empty);
            }

            Metrics.Published(result, delta.Wire.Length);
            return result;
        }
        finally
        {
            window.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<UplinkPublishResult> PublishReportAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (!IsConnected)
        {
            return new UplinkPublishResult(UplinkPublishStatus.Unavailable, "no link to the broker");
        }

        // QoS 0: a report is superseded by the next one five seconds later, so it is never worth a resend.
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topics.Status)
            .WithPayloadSegment(report)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
            .Build();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.AttemptTimeout);
            await client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
            Metrics.Report();
            return new UplinkPublishResult(UplinkPublishStatus.Accepted);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new UplinkPublishResult(UplinkPublishStatus.Unavailable, "report not written in time");
        }
        catch (Exception e) when (e is MqttCommunicationException or ObjectDisposedException or InvalidOperationException)
        {
            return new UplinkPublishResult(UplinkPublishStatus.Unavailable, e.Message);
        }
    }

    /// <summary>How a PUBACK reason code maps to a publish status (the broker's word on one QoS 1 message).</summary>
    internal static UplinkPublishResult Classify(MqttClientPublishReasonCode code, string? reason)
    {
        var detail = string.IsNullOrEmpty(reason) ? code.ToString() : $"{code}: {reason}";
        return code switch
        {
            MqttClientPublishReasonCode.Success => new UplinkPublishResult(UplinkPublishStatus.Accepted),

            // The broker took the message but nobody subscribes yet (region not started, or its session expired):
            // the broker holds nothing, yet the outbox keeps the delta until the region acknowledges, and resends.
            MqttClientPublishReasonCode.NoMatchingSubscribers => new UplinkPublishResult(UplinkPublishStatus.Accepted, "no matching subscribers"),
            MqttClientPublishReasonCode.QuotaExceeded or MqttClientPublishReasonCode.ImplementationSpecificError or MqttClientPublishReasonCode.UnspecifiedError
                or MqttClientPublishReasonCode.PacketIdentifierInUse => new UplinkPublishResult(UplinkPublishStatus.Unavailable, detail),
            _ => new UplinkPublishResult(UplinkPublishStatus.Rejected, detail),
        };
    }

    private async ValueTask<UplinkPublishResult> PublishOnceAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (!client.IsConnected)
        {
            return new UplinkPublishResult(UplinkPublishStatus.Unavailable, "no link to the broker");
        }

        try
        {
            var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            return Classify(result.ReasonCode, result.ReasonString);
        }
        catch (MqttCommunicationTimedOutException)
        {
            return new UplinkPublishResult(UplinkPublishStatus.Unavailable, "no PUBACK in time");
        }
        catch (Exception e) when (e is MqttCommunicationException or ObjectDisposedException or InvalidOperationException)
        {
            return new UplinkPublishResult(UplinkPublishStatus.Unavailable, e.Message);
        }
    }
}
