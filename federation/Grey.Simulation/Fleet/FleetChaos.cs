namespace Grey.Simulation.Fleet;

/// <summary>
/// The simulated form of every chaos class, scheduled from the seed at the start of the run, all inside the write
/// phase (the last disruption ends before the drain's clock starts): about one event per class per ten seconds of
/// <see cref="FleetOptions.Duration"/> (at least one), at uniformly drawn times between 10% and 80% of it.
/// </summary>
internal static class FleetChaos
{
    /// <summary>Events of one class per ten seconds of run.</summary>
    public const int EventsPerTenSeconds = 1;

    /// <summary>Longest outage of one site's uplink.</summary>
    public static readonly TimeSpan MaxOutage = TimeSpan.FromSeconds(12);

    /// <summary>Longest time a crashed node stays down.</summary>
    public static readonly TimeSpan MaxNodeDown = TimeSpan.FromSeconds(8);

    /// <summary>Longest broker or region restart.</summary>
    public static readonly TimeSpan MaxRestart = TimeSpan.FromSeconds(3);

    /// <summary>Largest clock step (either way).</summary>
    public const int MaxSkewSeconds = 30;

    public static void Schedule(SimulatedFleet fleet)
    {
        int perClass = Math.Max(1, (int)(fleet.Options.Duration.TotalSeconds / 10) * EventsPerTenSeconds);
        foreach ((ChaosClass c, _) in ChaosClasses.Names)
        {
            if ((fleet.Options.Chaos & c) == 0 || c == ChaosClass.Duplicate)
            {
                // Duplicates are a rate the broker applies to every publish while the class is on.
                continue;
            }

            int events = c == ChaosClass.Revoke ? 1 : perClass;
            for (int i = 0; i < events; i++)
            {
                long span = fleet.Options.Duration.Ticks;
                var at = TimeSpan.FromTicks(span / 10 + fleet.Rng.NextInt64(span * 7 / 10));
                ChaosClass cls = c;
                fleet.Queue.Schedule(at, () => Strike(fleet, cls));
            }
        }
    }

    private static void Strike(SimulatedFleet fleet, ChaosClass c)
    {
        var rng = fleet.Rng;
        FleetSite site = fleet.Sites[rng.Next(fleet.Sites.Count)];
        switch (c)
        {
            case ChaosClass.UplinkOutage:
                {
                    var length = TimeSpan.FromMilliseconds(rng.Next(1_000, (int)MaxOutage.TotalMilliseconds));
                    site.OutageStart();
                    fleet.DisruptedUntil(fleet.Now + length);
                    fleet.Queue.Schedule(length, site.OutageEnd);
                    break;
                }

            case ChaosClass.BrokerRestart:
                {
                    if (!fleet.Broker.Up)
                    {
                        return;
                    }

                    var length = TimeSpan.FromMilliseconds(rng.Next(300, (int)MaxRestart.TotalMilliseconds));
                    fleet.DisruptedUntil(fleet.Now + length);
                    fleet.Broker.Restart(length);
                    break;
                }

            case ChaosClass.NodeCrash:
                {
                    // Half the crashes hit the leader; the others any node (also while the site is offline).
                    FleetNode? node = rng.Next(2) == 0 ? site.Leader : null;
                    node ??= site.Nodes[rng.Next(site.Nodes.Count)];
                    if (!node.IsUp)
                    {
                        return;
                    }

                    var length = TimeSpan.FromMilliseconds(rng.Next(200, (int)MaxNodeDown.TotalMilliseconds));
                    node.Crash();
                    fleet.DisruptedUntil(fleet.Now + length);
                    fleet.Queue.Schedule(length, node.Restart);
                    break;
                }

            case ChaosClass.Tamper:
                {
                    BrokerMessage? original = site.LastPublished ?? fleet.Sites.Select(s => s.LastPublished).FirstOrDefault(p => p is not null);
                    if (original is null)
                    {
                        return;
                    }

                    fleet.Broker.Inject(fleet.Tamper(original));
                    break;
                }

            case ChaosClass.Forge:
                fleet.Broker.Inject(fleet.Forge(site));
                break;
            case ChaosClass.Revoke:
                {
                    // Only in a group that keeps a majority of unrevoked nodes; one node per run.
                    if (site.Nodes.Count < 3)
                    {
                        return;
                    }

                    FleetNode node = site.Nodes[rng.Next(site.Nodes.Count)];
                    fleet.Regions[site.HomeRegion].Registry.Revoke(node.Name);
                    SendNotice(fleet, site, node);
                    break;
                }

            case ChaosClass.RegionRestart:
                {
                    FleetRegion region = fleet.Regions.Values.ElementAt(rng.Next(fleet.Regions.Count));
                    if (!region.Up)
                    {
                        return;
                    }

                    var length = TimeSpan.FromMilliseconds(rng.Next(300, (int)MaxRestart.TotalMilliseconds));
                    fleet.DisruptedUntil(fleet.Now + length);
                    region.Restart(length);
                    break;
                }

            case ChaosClass.ClockSkew:
                {
                    FleetNode node = site.Nodes[rng.Next(site.Nodes.Count)];
                    int seconds = rng.Next(1, MaxSkewSeconds + 1) * (rng.Next(2) == 0 ? -1 : 1);
                    node.Clock.Step(TimeSpan.FromSeconds(seconds));
                    break;
                }

            default:
                return;
        }

        fleet.CountChaos(c);
    }

    /// <summary>
    /// The region's revocation notice reaches every node of the site (a retained message: retried each second until
    /// the site's link and the broker are up); the named node stops shipping.
    /// </summary>
    private static void SendNotice(SimulatedFleet fleet, FleetSite site, FleetNode revoked)
    {
        if (fleet.Broker.Up && site.LinkUp)
        {
            revoked.Revoked = true;
            return;
        }

        fleet.Queue.Schedule(TimeSpan.FromSeconds(1), () => SendNotice(fleet, site, revoked));
    }
}
