using Grey.Federation.Identifiers;

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>
/// How a site's node reaches its home region through an MQTT 5 broker. Immutable, with documented defaults;
/// <see cref="Validate"/> lists every problem at once.
/// </summary>
internal sealed record MqttUplinkOptions
{
    /// <summary>Longest client id accepted (it is part of the reply topic and the broker's session key).</summary>
    public const int MaxClientIdLength = 64;

    /// <summary>The home region's federation id (the third level of <c>grey/delta/&lt;region&gt;/&lt;site&gt;</c>).</summary>
    public required string Region { get; init; }

    /// <summary>This site's federation id.</summary>
    public required string Site { get; init; }

    /// <summary>
    /// The MQTT client id, unique per node (default <c>grey-&lt;site&gt;</c>; the daemon passes
    /// <c>grey-&lt;site&gt;-&lt;node&gt;</c>). The broker keys the persistent session by it, so it must stay the same
    /// across restarts of one node, and two nodes must never share it (the broker would disconnect one for the other).
    /// </summary>
    public string? ClientId { get; init; }

    /// <summary>The broker: <c>mqtt://HOST:PORT</c> or <c>mqtts://HOST:PORT</c> (<see cref="MqttBrokerUrl"/>).</summary>
    public required string Url { get; init; }

    /// <summary>The MQTT user name (with <see cref="PasswordFile"/>); null: no user name.</summary>
    public string? UserName { get; init; }

    /// <summary>A file whose first line is the password (never given on the command line, never logged).</summary>
    public string? PasswordFile { get; init; }

    /// <summary>
    /// A client certificate for <c>mqtts://</c>: a PEM file holding the certificate and its private key, or a
    /// PKCS#12 file (<c>.pfx</c>, <c>.p12</c>) without a password.
    /// </summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>A PEM CA bundle that signs the broker's certificate (for <c>mqtts://</c>); null: the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>
    /// How long the broker keeps the session (subscriptions, unacknowledged QoS 1 messages) while the node is away
    /// (default 7 days: acks and desired changes sent during an outage are delivered when it returns).
    /// </summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromDays(7);

    /// <summary>MQTT keep-alive: how soon a dead broker is noticed (default 10 s).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Deltas awaiting their PUBACK at once (default 32). Past it, <c>PublishDeltaAsync</c> waits: the bounded
    /// window is the uplink's backpressure on the outbox.
    /// </summary>
    public int MaxInFlight { get; init; } = 32;

    /// <summary>How long one publish attempt may wait for the PUBACK (default 5 s).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);

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

    /// <summary>How long one connect attempt (TCP, TLS, CONNECT/CONNACK, subscriptions) may take (default 5 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait between reconnect attempts (default 250 ms: draining starts soon after the broker returns).</summary>
    public TimeSpan ReconnectWaitMin { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait between reconnect attempts (default 5 s).</summary>
    public TimeSpan ReconnectWaitMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Requests (enroll, attest) waiting for their reply at once (default 16); more are refused at once.</summary>
    public int MaxPendingRequests { get; init; } = 16;

    /// <summary>Largest inbound message kept; larger ones are dropped and counted (default <see cref="UplinkLimits.MaxInboundBytes"/>).</summary>
    public int MaxInboundBytes { get; init; } = UplinkLimits.MaxInboundBytes;

    /// <summary>Inbound messages buffered for the outbox (default <see cref="UplinkLimits.InboundCapacity"/>).</summary>
    public int InboundCapacity { get; init; } = UplinkLimits.InboundCapacity;

    /// <summary>The client id in effect.</summary>
    public string EffectiveClientId => ClientId ?? $"grey-{Site}";

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

        if (!IsValidClientId(EffectiveClientId))
        {
            errors.Add($"client id must be 1-{MaxClientIdLength} characters of [A-Za-z0-9._-]");
        }

        var url = MqttBrokerUrl.Parse(Url, out var urlError);
        if (urlError is not null)
        {
            errors.Add(urlError);
        }

        if (UserName is not null && (UserName.Length is 0 or > 256 || UserName.Any(char.IsControl)))
        {
            errors.Add("user name must be 1-256 characters without control characters");
        }

        if (PasswordFile is not null && UserName is null)
        {
            errors.Add("a password file needs a user name");
        }

        CheckFile(errors, PasswordFile, "password file");
        CheckFile(errors, ClientCertificateFile, "client certificate file");
        CheckFile(errors, CaFile, "CA file");
        if (url is { Tls: false } && (ClientCertificateFile is not null || CaFile is not null))
        {
            errors.Add("a client certificate or CA file needs an mqtts:// URL");
        }

        Check(errors, SessionExpiry >= TimeSpan.Zero && SessionExpiry.TotalSeconds <= uint.MaxValue, "SessionExpiry must be 0 to 2^32-1 seconds");
        Check(errors, KeepAlive >= TimeSpan.FromSeconds(1) && KeepAlive <= TimeSpan.FromHours(18), "KeepAlive must be 1 s to 18 h");
        Check(errors, MaxInFlight is >= 1 and <= 4096, "MaxInFlight must be 1-4096");
        Check(errors, MaxRetries is >= 0 and <= 20, "MaxRetries must be 0-20");
        Check(errors, AttemptTimeout > TimeSpan.Zero && AttemptTimeout <= TimeSpan.FromMinutes(5), "AttemptTimeout must be positive and at most 5 minutes");
        Check(errors, RetryBaseDelay > TimeSpan.Zero && RetryMaxDelay >= RetryBaseDelay, "retry delays must be positive, the maximum not below the base");
        Check(errors, BreakerFailureRatio is > 0 and <= 1, "BreakerFailureRatio must be in (0, 1]");
        Check(errors, BreakerMinimumThroughput >= 2, "BreakerMinimumThroughput must be at least 2");
        Check(errors, BreakerSamplingDuration >= TimeSpan.FromMilliseconds(500), "BreakerSamplingDuration must be at least 500 ms");
        Check(errors, BreakerBreakDuration >= TimeSpan.FromMilliseconds(500), "BreakerBreakDuration must be at least 500 ms");
        Check(errors, ConnectTimeout > TimeSpan.Zero && ConnectTimeout <= TimeSpan.FromMinutes(5), "ConnectTimeout must be positive and at most 5 minutes");
        Check(errors, ReconnectWaitMin > TimeSpan.Zero && ReconnectWaitMax >= ReconnectWaitMin, "reconnect waits must be positive, the maximum not below the minimum");
        Check(errors, MaxPendingRequests is >= 1 and <= 1024, "MaxPendingRequests must be 1-1024");
        Check(errors, MaxInboundBytes is >= 1024 and <= 64 * 1024 * 1024, "MaxInboundBytes must be 1 KiB-64 MiB");
        Check(errors, InboundCapacity is >= 16 and <= 65535, "InboundCapacity must be 16-65535 (it is also the MQTT receive maximum)");
        return errors;
    }

    /// <summary>Whether <paramref name="clientId"/> may be used as a client id and a topic level.</summary>
    public static bool IsValidClientId(string? clientId) =>
        !string.IsNullOrEmpty(clientId) && clientId.Length <= MaxClientIdLength &&
        clientId.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-');

    private static void CheckFile(List<string> errors, string? path, string what)
    {
        if (path is not null && !File.Exists(path))
        {
            errors.Add($"{what} '{path}' does not exist");
        }
    }

    private static void Check(List<string> errors, bool ok, string message)
    {
        if (!ok)
        {
            errors.Add(message);
        }
    }
}
