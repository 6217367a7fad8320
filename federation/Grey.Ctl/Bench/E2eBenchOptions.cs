namespace Grey.Ctl.Bench;

/// <summary>
/// What <c>greyctl bench e2e</c> runs. Immutable; every limit is named; <see cref="Validate"/> lists every problem at once.
/// </summary>
internal sealed record E2eBenchOptions
{
    /// <summary>Most sites in one run: each is three nodes with their own WAL, peer sockets and NATS connection in this process.</summary>
    public const int MaxSites = 64;

    /// <summary>Longest measured phase.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>Shortest measured phase: below it the start and end effects dominate.</summary>
    public static readonly TimeSpan MinDuration = TimeSpan.FromSeconds(1);

    /// <summary>Bytes of every value written (and of every raw JetStream message), as the issue asks.</summary>
    public const int ValueBytes = 256;

    /// <summary>Nodes in every site's Raft group.</summary>
    public const int NodesPerSite = 3;

    /// <summary>Closed-loop writers per site in the maximum-load phases (a leader batches what they propose at once).</summary>
    public int ClientsPerSite { get; init; } = 32;

    /// <summary>Sites, each with its own Raft group, outbox, uplinks and signing keys.</summary>
    public int Sites { get; init; } = 8;

    /// <summary>Length of each measured phase (raw JetStream, backlog fill, maximum, half load).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An external NATS server (with JetStream); null: the bench starts nats-server itself.</summary>
    public string? NatsUrl { get; init; }

    /// <summary>Longest wait for the sites to elect, enroll, attest and ship a first write, and for any drain.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Lists every problem.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Sites is < 1 or > MaxSites)
        {
            errors.Add($"--sites must be between 1 and {MaxSites}, was {Sites}");
        }

        if (Duration < MinDuration || Duration > MaxDuration)
        {
            errors.Add($"--duration must be between {MinDuration.TotalSeconds:0} s and {MaxDuration.TotalMinutes:0} min");
        }

        if (ClientsPerSite is < 1 or > 1024)
        {
            errors.Add($"clients per site must be between 1 and 1024, was {ClientsPerSite}");
        }

        if (NatsUrl is not null && (!Uri.TryCreate(NatsUrl, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "nats" && uri.Scheme != "tls") || uri.Port <= 0))
        {
            errors.Add($"--nats must be a nats://HOST:PORT URL, was '{NatsUrl}'");
        }

        if (SettleTimeout <= TimeSpan.Zero)
        {
            errors.Add("settle timeout must be positive");
        }

        return errors;
    }
}
