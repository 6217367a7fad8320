using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Grey.Edge.Uplink.Nats;

/// <summary>The delta, report and request paths.</summary>
internal sealed partial class NatsUplink
{
    /// <summary>The header carrying the site's committed index (for the region's lag figure).</summary>
    public const string CommittedHeader = "Grey-Committed";

    /// <summary>
    /// The header naming the site's home region on enrollment and attestation requests: their subjects name no
    /// region, so with several regions on one broker only the region named here answers (docs/UPLINK.md).
    /// </summary>
    public const string RegionHeader = "Grey-Region";

    /// <summary>JetStream's de-duplication header.</summary>
    public const string MsgIdHeader = "Nats-Msg-Id";

    /// <summary>Length of a NUID, the random part of a reply inbox.</summary>
    private const int NuidLength = 22;

    /// <inheritdoc />
    public async ValueTask<UplinkPublishResult> PublishDeltaAsync(OutgoingDelta delta, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentException.ThrowIfNullOrEmpty(delta.MessageId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (delta.Wire.IsEmpty)
        {
            throw new ArgumentException("a delta needs its signed wire bytes", nameof(delta));
        }

        if (!IsConnected)
        {
            return Count(new UplinkPublishResult(UplinkPublishStatus.Unavailable, "no link to the NATS server"), delta);
        }

        await window.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await publishPipeline.ExecuteAsync(
                static (state, token) => state.Self.PublishOnceAsync(state.Delta, token),
                (Self: this, Delta: delta),
                cancellationToken).ConfigureAwait(false);
            return Count(result, delta);
        }
        catch (BrokenCircuitException)
        {
            return Count(new UplinkPublishResult(UplinkPublishStatus.Unavailable, "circuit open after repeated failures"), delta);
        }
        catch (TimeoutRejectedException)
        {
            return Count(new UplinkPublishResult(UplinkPublishStatus.Unavailable, $"no PubAck within {options.AttemptTimeout.TotalSeconds:0.###} s"), delta);
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
            return new UplinkPublishResult(UplinkPublishStatus.Unavailable, "no link to the NATS server");
        }

        try
        {
            await connection.PublishAsync(subjects.Status, report, cancellationToken: cancellationToken).ConfigureAwait(false);
            Metrics.Report();
            return new UplinkPublishResult(UplinkPublishStatus.Accepted);
        }
        catch (NatsException e)
        {
            return new UplinkPublishResult(UplinkPublishStatus.Unavailable, e.Message);
        }
    }

    /// <inheritdoc />
    public async ValueTask<UplinkReply> RequestAsync(UplinkRequestKind kind, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var subject = subjects.Request(kind);
        if (!IsConnected)
        {
            Metrics.Request(ok: false);
            return new UplinkReply(null, "no link to the NATS server");
        }

        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var reply = await connection.RequestAsync<ReadOnlyMemory<byte>, byte[]>(
                subject,
                payload,
                headers: new NatsHeaders { [RegionHeader] = subjects.Region },
                replyOpts: new NatsSubOpts { Timeout = timeout, ThrowIfNoResponders = false },
                cancellationToken: linked.Token).ConfigureAwait(false);
            if (reply.HasNoResponders)
            {
                Metrics.Request(ok: false);
                return new UplinkReply(null, $"no responder on {subject} (is the region running?)");
            }

            if (reply.Data is not { } data)
            {
                Metrics.Request(ok: false);
                return new UplinkReply(null, $"empty reply on {subject}");
            }

            Metrics.Request(ok: true);
            return new UplinkReply(data, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Metrics.Request(ok: false);
            return new UplinkReply(null, $"no reply on {subject} within {timeout.TotalSeconds:0.###} s");
        }
        catch (NatsNoRespondersException)
        {
            Metrics.Request(ok: false);
            return new UplinkReply(null, $"no responder on {subject} (is the region running?)");
        }
        catch (NatsNoReplyException)
        {
            Metrics.Request(ok: false);
            return new UplinkReply(null, $"no reply on {subject} within {timeout.TotalSeconds:0.###} s");
        }
        catch (NatsException e)
        {
            Metrics.Request(ok: false);
            return new UplinkReply(null, e.Message);
        }
    }

    /// <summary>
    /// Bytes one delta publish puts on the wire: <c>HPUB subject reply hdrlen totlen\r\n</c>, the header block
    /// and the payload with its trailing CRLF, as the NATS protocol frames it.
    /// </summary>
    public static long WireBytes(string subject, int inboxPrefixLength, OutgoingDelta delta)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(delta);
        var headers = "NATS/1.0\r\n".Length
            + MsgIdHeader.Length + 2 + delta.MessageId.Length + 2
            + CommittedHeader.Length + 2 + delta.CommittedIndex.ToString(CultureInfo.InvariantCulture).Length + 2
            + 2;
        var total = headers + delta.Wire.Length;
        var reply = inboxPrefixLength + 1 + NuidLength + 1;
        var line = "HPUB ".Length + subject.Length + 1 + reply + 1
            + headers.ToString(CultureInfo.InvariantCulture).Length + 1
            + total.ToString(CultureInfo.InvariantCulture).Length + 2;
        return line + total + 2;
    }

    private async ValueTask<UplinkPublishResult> PublishOnceAsync(OutgoingDelta delta, CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            return new UplinkPublishResult(UplinkPublishStatus.Unavailable, "no link to the NATS server");
        }

        var headers = new NatsHeaders
        {
            [CommittedHeader] = delta.CommittedIndex.ToString(CultureInfo.InvariantCulture),
        };
        var violation = deltaViolation.Task;
        Metrics.Wire(WireBytes(subjects.Delta, subjects.InboxPrefix.Length, delta));
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publish = jetStream.TryPublishAsync(
            subjects.Delta,
            delta.Wire,
            opts: new NatsJSPubOpts { MsgId = delta.MessageId, RetryAttempts = 1 },
            headers: headers,
            cancellationToken: abandon.Token).AsTask();
        var first = await Task.WhenAny(publish, violation).ConfigureAwait(false);
        if (first == violation && !publish.IsCompleted)
        {
            // The server refused the subject for this user: no PubAck will come, and no retry can help.
            await abandon.CancelAsync().ConfigureAwait(false);
            _ = publish.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            return new UplinkPublishResult(UplinkPublishStatus.Rejected, violation.Result);
        }

        NatsResult<NATS.Client.JetStream.Models.PubAckResponse> result;
        try
        {
            result = await publish.ConfigureAwait(false);
        }
        catch (NatsException e)
        {
            return Classify(e);
        }

        if (!result.Success)
        {
            return result.Error is NatsException ne ? Classify(ne) : new UplinkPublishResult(UplinkPublishStatus.Unavailable, result.Error.Message);
        }

        var ack = result.Value;
        if (ack.Error is { } error)
        {
            return new UplinkPublishResult(UplinkPublishStatus.Rejected, $"JetStream error {error.ErrCode}: {error.Description}");
        }

        return ack.Duplicate
            ? new UplinkPublishResult(UplinkPublishStatus.Duplicate, $"stream {ack.Stream} seq {ack.Seq}")
            : new UplinkPublishResult(UplinkPublishStatus.Accepted, $"stream {ack.Stream} seq {ack.Seq}");
    }

    private UplinkPublishResult Classify(NatsException e) => e switch
    {
        // No stream listens on the subject: the region creates it at start, so this can pass.
        NatsNoRespondersException or NatsJSPublishNoResponseException => new(UplinkPublishStatus.Unavailable, $"no JetStream stream for {subjects.Delta} answered (has the region created it?)"),
        NatsJSApiException api => new(UplinkPublishStatus.Rejected, $"JetStream error {api.Error.ErrCode}: {api.Error.Description}"),
        NatsPayloadTooLargeException => new(UplinkPublishStatus.Rejected, e.Message),
        _ => new(UplinkPublishStatus.Unavailable, e.Message),
    };

    private UplinkPublishResult Count(UplinkPublishResult result, OutgoingDelta delta)
    {
        Metrics.Published(result.Status, delta.Wire.Length);
        if (result.Status == UplinkPublishStatus.Rejected)
        {
            NatsUplinkLog.Rejected(logger, options.Site, delta.MessageId, result.Detail ?? "rejected");
        }

        return result;
    }
}
