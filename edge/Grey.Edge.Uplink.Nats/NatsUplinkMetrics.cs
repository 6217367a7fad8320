namespace Grey.Edge.Uplink.Nats;

/// <summary>Counters of one uplink (thread-safe; read for <c>/metrics</c>).</summary>
internal sealed class NatsUplinkMetrics
{
    private long deltasAccepted;
    private long deltasDuplicate;
    private long deltasUnavailable;
    private long deltasRejected;
    private long deltaPayloadBytes;
    private long deltaWireBytes;
    private long publishRetries;
    private long breakerOpened;
    private long reportsSent;
    private long requestsSent;
    private long requestsFailed;
    private long inboundReceived;
    private long inboundOversized;
    private long linkUps;
    private long linkDowns;
    private long permissionViolations;

    /// <summary>Deltas the broker stored.</summary>
    public long DeltasAccepted => Interlocked.Read(ref deltasAccepted);

    /// <summary>Deltas the broker already had (same <c>Nats-Msg-Id</c>).</summary>
    public long DeltasDuplicate => Interlocked.Read(ref deltasDuplicate);

    /// <summary>Publishes that ended Unavailable.</summary>
    public long DeltasUnavailable => Interlocked.Read(ref deltasUnavailable);

    /// <summary>Publishes the broker refused for good.</summary>
    public long DeltasRejected => Interlocked.Read(ref deltasRejected);

    /// <summary>Signed envelope bytes of stored deltas.</summary>
    public long DeltaPayloadBytes => Interlocked.Read(ref deltaPayloadBytes);

    /// <summary>
    /// Bytes on the wire of every delta publish attempt: the <c>HPUB</c> line, headers and payload, as NATS frames
    /// them (the PubAck coming back is not counted).
    /// </summary>
    public long DeltaWireBytes => Interlocked.Read(ref deltaWireBytes);

    /// <summary>Publish attempts after the first.</summary>
    public long PublishRetries => Interlocked.Read(ref publishRetries);

    /// <summary>Times the circuit breaker opened.</summary>
    public long BreakerOpened => Interlocked.Read(ref breakerOpened);

    /// <summary>Status reports sent.</summary>
    public long ReportsSent => Interlocked.Read(ref reportsSent);

    /// <summary>Enrollment and attestation requests sent.</summary>
    public long RequestsSent => Interlocked.Read(ref requestsSent);

    /// <summary>Requests without a reply (no link, no responder, timeout).</summary>
    public long RequestsFailed => Interlocked.Read(ref requestsFailed);

    /// <summary>Acks, NAKs and notices received (before the size check).</summary>
    public long InboundReceived => Interlocked.Read(ref inboundReceived);

    /// <summary>Inbound messages dropped for size.</summary>
    public long InboundOversized => Interlocked.Read(ref inboundOversized);

    /// <summary>Link-up events (first connect included).</summary>
    public long LinkUps => Interlocked.Read(ref linkUps);

    /// <summary>Link-down events.</summary>
    public long LinkDowns => Interlocked.Read(ref linkDowns);

    /// <summary>Permission violations the server reported.</summary>
    public long PermissionViolations => Interlocked.Read(ref permissionViolations);

    internal void Published(UplinkPublishStatus status, int payloadBytes)
    {
        switch (status)
        {
            case UplinkPublishStatus.Accepted:
                Interlocked.Increment(ref deltasAccepted);
                Interlocked.Add(ref deltaPayloadBytes, payloadBytes);
                break;
            case UplinkPublishStatus.Duplicate:
                Interlocked.Increment(ref deltasDuplicate);
                break;
            case UplinkPublishStatus.Unavailable:
                Interlocked.Increment(ref deltasUnavailable);
                break;
            default:
                Interlocked.Increment(ref deltasRejected);
                break;
        }
    }

    internal void Wire(long bytes) => Interlocked.Add(ref deltaWireBytes, bytes);

    internal void Retry() => Interlocked.Increment(ref publishRetries);

    internal void Opened() => Interlocked.Increment(ref breakerOpened);

    internal void Report() => Interlocked.Increment(ref reportsSent);

    internal void Request(bool ok)
    {
        Interlocked.Increment(ref requestsSent);
        if (!ok)
        {
            Interlocked.Increment(ref requestsFailed);
        }
    }

    internal void Inbound() => Interlocked.Increment(ref inboundReceived);

    internal void Oversized() => Interlocked.Increment(ref inboundOversized);

    internal void Link(bool up) => Interlocked.Increment(ref up ? ref linkUps : ref linkDowns);

    internal void Violation() => Interlocked.Increment(ref permissionViolations);
}
