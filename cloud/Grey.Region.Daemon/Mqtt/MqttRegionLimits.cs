using Grey.Federation;

namespace Grey.Region.Daemon.Mqtt;

/// <summary>The limits of the region's MQTT link, with documented defaults.</summary>
internal sealed record MqttRegionLimits
{
    /// <summary>
    /// Deltas received and not yet fetched by the loop. Default 1024. Also sent to the broker as the MQTT 5
    /// receive maximum, so the broker itself stops sending once this many QoS 1 messages wait for their PUBACK
    /// (deltas are acknowledged only after the region's flush); when the queue is full the receive handler waits,
    /// which holds back MQTTnet and so the broker. Nothing is dropped.
    /// </summary>
    public int DeltaCapacity { get; init; } = 1024;

    /// <summary>Signals (status reports, peer region deltas) buffered for the loop; the oldest are dropped beyond it. Default 4096.</summary>
    public int SignalCapacity { get; init; } = 4096;

    /// <summary>Enrollment and attestation requests waiting for the handler; beyond it a request is dropped (the requester times out and retries). Default 64.</summary>
    public int RequestCapacity { get; init; } = 64;

    /// <summary>Largest message taken: the federation's signed envelope limit. A larger delta is acknowledged, dropped and counted (it would be refused every time it came back).</summary>
    public int MaxMessageBytes { get; init; } = FederationLimits.MaxEnvelopeBytes;

    /// <summary>How long a fetch waits for the first delta before it returns an empty batch (the loop turns at least this often). Default 1 s.</summary>
    public TimeSpan FetchWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most time one connect (TCP, CONNECT, SUBSCRIBE) may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause between two connect attempts while the broker is away. Default 500 ms.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Most time one publish or PUBACK may wait before it counts as a transport failure. Default 5 s.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>MQTT keep-alive: how soon a dead broker is noticed. Default 10 s.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the broker keeps the region's session (subscriptions and unacknowledged deltas) while it is away. Default 7 days, as the edge's uplink.</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Throws when a limit is out of range (misuse).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(DeltaCapacity, 1, nameof(DeltaCapacity));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DeltaCapacity, ushort.MaxValue, nameof(DeltaCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(SignalCapacity, 1, nameof(SignalCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(RequestCapacity, 1, nameof(RequestCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 1, nameof(MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FetchWait, TimeSpan.Zero, nameof(FetchWait));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReconnectDelay, TimeSpan.Zero, nameof(ReconnectDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PublishTimeout, TimeSpan.Zero, nameof(PublishTimeout));
    }
}
