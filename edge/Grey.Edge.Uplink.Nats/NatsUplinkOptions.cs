using Grey.Federation.Identifiers;

namespace Grey.Edge.Uplink.Nats;

/// <summary>
/// How a site's node reaches its home region over NATS. Immutable, with documented defaults;
/// <see cref="Validate"/> lists every problem at once.
/// </summary>
internal sealed record NatsUplinkOptions
{
    /// <summary>Most servers accepted in <see cref="Urls"/>.</summary>
    public const int MaxUrls = 16;

    /// <summary>The home region's federation id (the second token of <c>grey.delta.&lt;region&gt;.&lt;site&gt;</c>).</summary>
    public required string Region { get; init; }

    /// <summary>This site's federation id.</summary>
    public required string Site { get; init; }

    /// <summary>
    /// One or more server URLs, comma-separated (<c>nats://host:4222</c>, <c>tls://host:4222</c>). Credentials in
    /// a URL's user-info part are accepted but taken out of the URL before anything sees it.
    /// </summary>
    public required string Urls { get; init; }

    /// <summary>A credentials file (<see cref="NatsCredentials"/>: a .creds file, an nkey seed, or user/password lines).</summary>
    public string? CredentialsFile { get; init; }

    /// <summary>A PEM CA bundle that signs the server's certificate (for <c>tls://</c> URLs); null: the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>
    /// Deltas awaiting their broker acknowledgement at once (default 32). Past it, <c>PublishDeltaAsync</c>
    /// waits: the bounded window is the uplink's backpressure on the outbox.
    /// </summary>
    public int MaxInFlight { get; init; } = 32;

    /// <summary>How long one publish attempt may wait for the JetStream PubAck (default 2 s).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Retries of one publish after the first attempt, only while the link is up (default 3).</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>First retry delay; doubles each time with full jitter (default 100 ms).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest retry delay (default 2 s).</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Failed fraction of attempts in <see cref="BreakerSamplingDuration"/> that opens the circuit (default 0.5).</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>Attempts needed in the sampling window before the breaker may open (default 8).</summary>
    public int BreakerMinimumThroughput { get; init; } = 8;

    /// <summary>The breaker's sampling window (default 10 s).</summary>
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open circuit answers Unavailable without trying (default 5 s).</summary>
    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Server connect timeout (default 2 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>First wait between reconnect attempts (default 250 ms: draining starts soon after the broker returns).</summary>
    public TimeSpan ReconnectWaitMin { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait between reconnect attempts (default 2 s).</summary>
    public TimeSpan ReconnectWaitMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest inbound message kept; larger ones are dropped and counted (default <see cref="UplinkLimits.MaxInboundBytes"/>).</summary>
    public int MaxInboundBytes { get; init; } = UplinkLimits.MaxInboundBytes;

    /// <summary>Inbound messages buffered for the outbox (default <see cref="UplinkLimits.InboundCapacity"/>).</summary>
    public int InboundCapacity { get; init; } = UplinkLimits.InboundCapacity;

    /// <summary>Lists every problem; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!FederationId.IsValid(Region))
        {
            errors.Add($"region '{Region}' must match [a-z0-9][a-z0-9-]{{0,62}}");
        }

        if (!FederationId.IsValid(Site))
        {
            errors.Add($"site '{Site}' must match [a-z0-9][a-z0-9-]{{0,62}}");
        }

        errors.AddRange(NatsServerUrls.Check(Urls ?? string.Empty));
        if (CredentialsFile is { } creds && !File.Exists(creds))
        {
            errors.Add($"credentials file '{creds}' does not exist");
        }

        if (CaFile is { } ca && !File.Exists(ca))
        {
            errors.Add($"CA file '{ca}' does not exist");
        }

        Check(errors, MaxInFlight is >= 1 and <= 4096, "MaxInFlight must be 1-4096");
        Check(errors, MaxRetries is >= 0 and <= 20, "MaxRetries must be 0-20");
        Check(errors, AttemptTimeout > TimeSpan.Zero && AttemptTimeout <= TimeSpan.FromMinutes(5), "AttemptTimeout must be positive and at most 5 minutes");
        Check(errors, RetryBaseDelay > TimeSpan.Zero && RetryMaxDelay >= RetryBaseDelay, "retry delays must be positive, the maximum not below the base");
        Check(errors, BreakerFailureRatio is > 0 and <= 1, "BreakerFailureRatio must be in (0, 1]");
        Check(errors, BreakerMinimumThroughput >= 2, "BreakerMinimumThroughput must be at least 2");
        Check(errors, BreakerSamplingDuration >= TimeSpan.FromMilliseconds(500), "BreakerSamplingDuration must be at least 500 ms");
        Check(errors, BreakerBreakDuration >= TimeSpan.FromMilliseconds(500), "BreakerBreakDuration must be at least 500 ms");
        Check(errors, ConnectTimeout > TimeSpan.Zero, "ConnectTimeout must be positive");
        Check(errors, ReconnectWaitMin > TimeSpan.Zero && ReconnectWaitMax >= ReconnectWaitMin, "reconnect waits must be positive, the maximum not below the minimum");
        Check(errors, MaxInboundBytes is >= 1024 and <= 64 * 1024 * 1024, "MaxInboundBytes must be 1 KiB-64 MiB");
        Check(errors, InboundCapacity is >= 16 and <= 1 << 20, "InboundCapacity must be 16-1048576");
        return errors;
    }

    private static void Check(List<string> errors, bool ok, string message)
    {
        if (!ok)
        {
            errors.Add(message);
        }
    }
}
