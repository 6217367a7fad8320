namespace Grey.Edge.Uplink;

/// <summary>
/// When <see cref="FailoverUplink"/> gives up on the preferred uplink and when it tries it again. Immutable, with
/// documented defaults; <see cref="Validate"/> lists every problem at once.
/// </summary>
internal sealed record FailoverUplinkOptions
{
    /// <summary>
    /// Failed fraction of the preferred uplink's publishes in <see cref="SamplingDuration"/> that opens its circuit
    /// (default 0.5). Each failed publish is also retried on the fallback at once, so the circuit only saves the
    /// preferred uplink's timeouts while it is sick.
    /// </summary>
    public double FailureRatio { get; init; } = 0.5;

    /// <summary>Publishes needed in the sampling window before the circuit may open (default 4).</summary>
    public int MinimumThroughput { get; init; } = 4;

    /// <summary>The breaker's sampling window (default 10 s).</summary>
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the fallback carries everything before one publish probes the preferred uplink again (default 15 s).
    /// A probe that succeeds closes the circuit: traffic fails back.
    /// </summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Inbound messages of both uplinks buffered for the outbox (default <see cref="UplinkLimits.InboundCapacity"/>).</summary>
    public int InboundCapacity { get; init; } = UplinkLimits.InboundCapacity;

    /// <summary>Lists every problem; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (FailureRatio is <= 0 or > 1)
        {
            errors.Add("FailureRatio must be in (0, 1]");
        }

        if (MinimumThroughput < 2)
        {
            errors.Add("MinimumThroughput must be at least 2");
        }

        if (SamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add("SamplingDuration must be at least 500 ms");
        }

        if (BreakDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add("BreakDuration must be at least 500 ms");
        }

        if (InboundCapacity is < 16 or > 1 << 20)
        {
            errors.Add("InboundCapacity must be 16-1048576");
        }

        return errors;
    }
}
