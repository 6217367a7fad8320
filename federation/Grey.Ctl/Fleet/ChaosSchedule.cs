using Grey.Simulation.Fleet;

namespace Grey.Ctl.Fleet;

/// <summary>
/// The chaos schedule of a real-broker fleet, drawn from the seed alone (pure: the same seed and options give the
/// same events). Every enabled class gets at least one event; events fall in the first 70% of the writing window so
/// that each fault ends, and the fleet catches up, while clients still write.
/// </summary>
internal static class ChaosSchedule
{
    /// <summary>Events of one class in one run, at most (each is a real restart or outage, and they take seconds).</summary>
    public const int MaxEventsPerClass = 4;

    /// <summary>The longest uplink outage or node downtime planned.</summary>
    public static readonly TimeSpan MaxFaultLength = TimeSpan.FromSeconds(4);

    /// <summary>The largest clock skew planned (either way); small enough for attestation freshness, large enough for the HLC.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromSeconds(20);

    /// <summary>Plans the events for <paramref name="options"/> (sites, nodes per site, duration, chaos) from its seed.</summary>
    public static IReadOnlyList<ChaosEvent> Plan(FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new Random(unchecked((int)(options.Seed ^ (options.Seed >> 32))));
        var events = new List<ChaosEvent>();
        double window = options.Duration.TotalMilliseconds * 0.7;
        double length = Math.Min(MaxFaultLength.TotalMilliseconds, Math.Max(500, options.Duration.TotalMilliseconds * 0.15));
        foreach ((ChaosClass c, string _) in ChaosClasses.Names)
        {
            if ((options.Chaos & c) == 0)
            {
                continue;
            }

            // Longer runs get more events of each class, up to the bound.
            int count = Math.Clamp((int)(options.Duration.TotalSeconds / 20) + 1, 1, MaxEventsPerClass);
            if (c is ChaosClass.BrokerRestart or ChaosClass.RegionRestart or ChaosClass.Revoke)
            {
                count = 1;
            }

            for (int i = 0; i < count; i++)
            {
                var at = TimeSpan.FromMilliseconds(window * (0.1 + (0.9 * random.NextDouble())));
                int site = random.Next(options.Sites);
                int node = random.Next(options.NodesPerSite);
                var faultLength = TimeSpan.FromMilliseconds(length * (0.5 + (0.5 * random.NextDouble())));
                double skewSeconds = MaxSkew.TotalSeconds * (0.25 + (0.75 * random.NextDouble())) * (random.Next(2) == 0 ? -1 : 1);
                events.Add(new ChaosEvent(at, c, site, node, faultLength, TimeSpan.FromSeconds(Math.Round(skewSeconds, 3))));
            }
        }

        return [.. events.OrderBy(e => e.At).ThenBy(e => e.Class)];
    }
}
