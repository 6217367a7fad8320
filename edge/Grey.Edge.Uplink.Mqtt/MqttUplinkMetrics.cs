namespace Grey.Edge.Uplink.Mqtt;

/// <summary>Counters of one MQTT uplink (thread-safe; read for <c>/metrics</c>).</summary>
internal sealed class MqttUplinkMetrics
{
    private long deltasAccepted;
    private long deltasUnavailable;
    private long deltasRejected;
    private long deltaBytes;
    private long publishRetries;
    private long breakerOpened;
    private long reportsSent;
    private long requestsSent;
    private long requestsFailed;
    private long inboundReceived;
    private long inboundOversized;
    private long linkUps;
    private long linkDowns;
    private long connectFailures;

    /// <summary>Deltas the broker acknowledged (PUBACK success or no matching subscribers).</summary>
    public long DeltasAccepted => Interlocked.Read(ref deltasAccepted);

    /// <summary>Publishes that ended Unavailable.</summary>
    public long DeltasUnavailable => Interlocked.Read(ref deltasUnavailable);

    /// <summary>Publishes the broker refused for good (PUBACK reason code of a refusal).</summary>
    public long DeltasRejected => Interlocked.Read(ref deltasRejected);

    /// <summary>Signed envelope bytes of accepted deltas.</summary>
    public long DeltaBytes => Interlocked.Read(ref deltaBytes);

    /// <summary>Publish attempts after the first.</summary>
    public long PublishRetries => Interlocked.Read(ref publishRetries);

    /// <summary>Times the publish circuit opened.</summary>
    public long BreakerOpened => Interlocked.Read(ref breakerOpened);

    /// <summary>Status reports sent.</summary>
    public long ReportsSent => Interlocked.Read(ref reportsSent);

    /// <summary>Requests sent.</summary>
    public long RequestsSent => Interlocked.Read(ref requestsSent);

    /// <summary>Requests that got no reply (timeout, no link, too many pending).</summary>
    public long RequestsFailed => Interlocked.Read(ref requestsFailed);

    /// <summary>Inbound messages received on the site's topics.</summary>
    public long InboundReceived => Interlocked.Read(ref inboundReceived);

    /// <summary>Inbound messages dropped for their size.</summary>
    public long InboundOversized => Interlocked.Read(ref inboundOversized);

    /// <summary>Link-up events.</summary>
    public long LinkUps => Interlocked.Read(ref linkUps);

    /// <summary>Link-down events.</summary>
    public long LinkDowns => Interlocked.Read(ref linkDowns);

    /// <summary>Failed connect attempts.</summary>
    public long ConnectFailures => Interlocked.Read(ref connectFailures);

    internal void Published(UplinkPublishResult result, int bytes)
    {
        switch (result.Status)
        {
            case UplinkPublishStatus.Accepted or UplinkPublishStatus.Duplicate:
                Interlocked.Increment(ref deltasAccepted);
                Interlocked.Add(ref deltaBytes, bytes);
                break;
            case UplinkPublishStatus.Rejected:
                Interlocked.Increment(ref deltasRejected);
                break;
            default:
                Interlocked.Increment(ref deltasUnavailable);
                break;
        }
    }

    internal void Retry() => Interlocked.Increment(ref publishRetries);

    internal void Opened() => Interlocked.Increment(ref breakerOpened);

    internal void Report() => Interlocked.Increment(ref reportsSent);

    internal void Request(bool failed)
    {
        Interlocked.Increment(ref requestsSent);
        if (failed)
        {
            Interlocked.Increment(ref requestsFailed);
        }
    }

    internal void Inbound() => Interlocked.Increment(ref inboundReceived);

    internal void Oversized() => Interlocked.Increment(ref inboundOversized);

    internal void Link(bool up) => Interlocked.Increment(ref up ? ref linkUps : ref linkDowns);

    internal void ConnectFailed() => Interlocked.Increment(ref connectFailures);
}
