using System.Globalization;

namespace Grey.Ctl.Dev;

/// <summary>
/// What <c>greyctl dev</c> runs: how many sites of how many nodes, for how long, over which broker, and where the
/// data lives. Immutable; <see cref="Validate"/> lists every problem at once.
/// </summary>
internal sealed record DevOptions
{
    /// <summary>Most sites one dev federation starts (each node is a Kestrel server, a WAL and a Raft loop in this process).</summary>
    public const int MaxSites = 32;

    /// <summary>Most nodes per site (a Raft group larger than 7 buys nothing at the edge).</summary>
    public const int MaxNodes = 7;

    /// <summary>Longest --duration accepted (a week: a bound, not a limit anyone should meet).</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);

    /// <summary>Sites started (default 3).</summary>
    public int Sites { get; init; } = 3;

    /// <summary>Nodes in each site's Raft group (default 3).</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>How long to run before stopping by itself; null runs until Ctrl-C.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>An external NATS server (JetStream on) to use instead of the embedded MQTT broker, or null.</summary>
    public string? NatsUrl { get; init; }

    /// <summary>An external MQTT broker to use instead of the embedded one, or null.</summary>
    public string? MqttUrl { get; init; }

    /// <summary>Where the data goes and stays; null: a temporary directory removed at the end.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>How often the live summary is printed.</summary>
    public TimeSpan SummaryInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Demo writes per second and site.</summary>
    public int WritesPerSecond { get; init; } = 5;

    /// <summary>Longest wait, after the traffic stopped, for every site to be merged with lag 0.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait for every site to elect a leader and every node to pass attestation at start.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Sites < 1 || Sites > MaxSites)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--sites must lie in [1, {MaxSites}], got {Sites}"));
        }

        if (Nodes < 1 || Nodes > MaxNodes)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--nodes must lie in [1, {MaxNodes}], got {Nodes}"));
        }

        if (Duration is { } d && (d <= TimeSpan.Zero || d > MaxDuration))
        {
            errors.Add($"--duration must be positive and at most {MaxDuration.TotalDays.ToString(CultureInfo.InvariantCulture)} days");
        }

        if (NatsUrl is not null && !IsBrokerUrl(NatsUrl, "nats"))
        {
            errors.Add($"--nats '{NatsUrl}' must be nats://HOST:PORT");
        }

        if (MqttUrl is not null && !IsBrokerUrl(MqttUrl, "mqtt"))
        {
            errors.Add($"--mqtt '{MqttUrl}' must be mqtt://HOST:PORT");
        }

        if (WritesPerSecond < 0 || WritesPerSecond > 1000)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"writes per second must lie in [0, 1000], got {WritesPerSecond}"));
        }

        return errors;
    }

    /// <summary>A broker URL of the given scheme with a host and an explicit port, and nothing else (no credentials, no path).</summary>
    public static bool IsBrokerUrl(string url, string scheme)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Uri.TryCreate(url, UriKind.Absolute, out Uri? uri)
            && uri.Scheme == scheme
            && uri.Host.Length > 0
            && uri.UserInfo.Length == 0
            && uri.AbsolutePath is "/" or ""
            && url.Contains(':' + uri.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }
}
