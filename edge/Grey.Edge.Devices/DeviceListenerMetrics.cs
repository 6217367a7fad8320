namespace Grey.Edge.Devices;

/// <summary>Counters of the device listener (thread-safe; read for <c>/metrics</c>).</summary>
internal sealed class DeviceListenerMetrics
{
    private long connections;
    private long loginsRefused;
    private long writesCommitted;
    private long writesUnavailable;
    private long publishesRefused;
    private long subscriptionsRefused;

    /// <summary>Devices connected now.</summary>
    public long Connections => Interlocked.Read(ref connections);

    /// <summary>CONNECTs refused (bad credentials, not authorized, listener full).</summary>
    public long LoginsRefused => Interlocked.Read(ref loginsRefused);

    /// <summary>Device messages written and committed.</summary>
    public long WritesCommitted => Interlocked.Read(ref writesCommitted);

    /// <summary>Device messages not committed for now (the device was told to retry).</summary>
    public long WritesUnavailable => Interlocked.Read(ref writesUnavailable);

    /// <summary>Device messages refused for good (bad topic, desired/..., too large, refused by the node).</summary>
    public long PublishesRefused => Interlocked.Read(ref publishesRefused);

    /// <summary>Subscriptions refused (devices only publish).</summary>
    public long SubscriptionsRefused => Interlocked.Read(ref subscriptionsRefused);

    internal void Connected() => Interlocked.Increment(ref connections);

    internal void Disconnected() => Interlocked.Decrement(ref connections);

    internal void LoginRefused() => Interlocked.Increment(ref loginsRefused);

    internal void Committed() => Interlocked.Increment(ref writesCommitted);

    internal void Unavailable() => Interlocked.Increment(ref writesUnavailable);

    internal void Refused() => Interlocked.Increment(ref publishesRefused);

    internal void SubscriptionRefused() => Interlocked.Increment(ref subscriptionsRefused);
}
