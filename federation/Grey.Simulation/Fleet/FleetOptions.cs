namespace Grey.Simulation.Fleet;

/// <summary>
/// What one fleet run is: how many sites and regions, for how long, from which seed, with which chaos and over
/// which broker. Immutable; <see cref="Validate"/> lists every error at once, and runners refuse options that
/// do not validate.
/// </summary>
internal sealed record FleetOptions
{
    /// <summary>The most sites one run accepts (the simulated runner's memory grows linearly with it).</summary>
    public const int MaxSites = 20_000;

    /// <summary>The most nodes per site: Raft groups larger than seven only slow commits down.</summary>
    public const int MaxNodesPerSite = 7;

    /// <summary>The most regions one run accepts.</summary>
    public const int MaxRegions = 16;

    /// <summary>The longest run accepted (virtual time for the simulated broker, wall time otherwise).</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>Number of edge sites, each a Raft group with its own home region. Required (at least 1).</summary>
    public int Sites { get; init; }

    /// <summary>Nodes in each site's Raft group. Default 3.</summary>
    public int NodesPerSite { get; init; } = 3;

    /// <summary>Number of regions; sites are spread over them as home regions and regions exchange region deltas. Default 1.</summary>
    public int Regions { get; init; } = 1;

    /// <summary>How long clients write (virtual time for <see cref="FleetBroker.Sim"/>); the drain comes after it. Required.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The one seed that picks the workload and the chaos schedule (and, for the simulated broker, everything else).</summary>
    public ulong Seed { get; init; }

    /// <summary>The chaos classes injected. Default none.</summary>
    public ChaosClass Chaos { get; init; }

    /// <summary>The broker. Default <see cref="FleetBroker.Sim"/>.</summary>
    public FleetBroker Broker { get; init; } = FleetBroker.Sim;

    /// <summary>An external NATS server (<c>nats://</c> or <c>tls://</c>) for <see cref="FleetBroker.Nats"/>; null starts one.</summary>
    public string? NatsUrl { get; init; }

    /// <summary>An external MQTT broker (<c>mqtt://</c> or <c>mqtts://</c>) for <see cref="FleetBroker.Mosquitto"/>; null starts one.</summary>
    public string? MqttUrl { get; init; }

    /// <summary>Where the JSON report is written, or null for nowhere.</summary>
    public string? ReportPath { get; init; }

    /// <summary>True when the broker is external (a URL was given), so the runner cannot restart it.</summary>
    public bool ExternalBroker => NatsUrl is not null || MqttUrl is not null;

    /// <summary>Every problem with these options, each a full sentence; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Sites < 1 || Sites > MaxSites)
        {
            errors.Add($"sites must lie in [1, {MaxSites}], got {Sites}");
        }

        if (NodesPerSite < 1 || NodesPerSite > MaxNodesPerSite)
        {
            errors.Add($"nodes per site must lie in [1, {MaxNodesPerSite}], got {NodesPerSite}");
        }

        if (Regions < 1 || Regions > MaxRegions)
        {
            errors.Add($"regions must lie in [1, {MaxRegions}], got {Regions}");
        }

        if (Duration <= TimeSpan.Zero || Duration > MaxDuration)
        {
            errors.Add($"duration must be positive and at most {MaxDuration.TotalHours} hours, got {Duration}");
        }

        if ((Chaos & ~ChaosClass.All) != 0)
        {
            errors.Add($"chaos has unknown bits 0x{(int)(Chaos & ~ChaosClass.All):x}");
        }

        if (!Enum.IsDefined(Broker))
        {
            errors.Add($"broker {(int)Broker} is not one of sim, nats, mosquitto, embedded");
        }

        if (NatsUrl is not null)
        {
            if (Broker != FleetBroker.Nats)
            {
                errors.Add($"a NATS URL is only used with broker nats, not {Broker.ToString().ToLowerInvariant()}");
            }

            if (!IsUrl(NatsUrl, "nats", "tls"))
            {
                errors.Add($"NATS URL '{Clip(NatsUrl)}' must be nats://HOST:PORT or tls://HOST:PORT");
            }
        }

        if (MqttUrl is not null)
        {
            if (Broker != FleetBroker.Mosquitto)
            {
                errors.Add($"an MQTT URL is only used with broker mosquitto, not {Broker.ToString().ToLowerInvariant()}");
            }

            if (!IsUrl(MqttUrl, "mqtt", "mqtts"))
            {
                errors.Add($"MQTT URL '{Clip(MqttUrl)}' must be mqtt://HOST:PORT or mqtts://HOST:PORT");
            }
        }

        if (ExternalBroker && (Chaos & ChaosClass.BrokerRestart) != 0)
        {
            errors.Add("chaos broker-restart needs a broker greyctl starts itself; it cannot restart an external broker given by URL (drop the URL or the class)");
        }

        if (ReportPath is not null && string.IsNullOrWhiteSpace(ReportPath))
        {
            errors.Add("report path is blank");
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with every error when the options do not validate.</summary>
    public void EnsureValid()
    {
        IReadOnlyList<string> errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid fleet options: " + string.Join("; ", errors));
        }
    }

    private static bool IsUrl(string text, string scheme1, string scheme2) =>
        Uri.TryCreate(text, UriKind.Absolute, out Uri? uri)
        && (uri.Scheme == scheme1 || uri.Scheme == scheme2)
        && uri.Host.Length > 0
        && !uri.IsDefaultPort;

    private static string Clip(string text) => text.Length <= 100 ? text : text[..100] + "...";
}
