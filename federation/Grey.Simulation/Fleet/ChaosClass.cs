namespace Grey.Simulation.Fleet;

/// <summary>
/// The chaos a fleet run injects, one flag per class of issue 8. Their command-line names are the
/// kebab-case names parsed by <see cref="ChaosClasses.TryParse"/>.
/// </summary>
[Flags]
internal enum ChaosClass
{
    /// <summary>No chaos.</summary>
    None = 0,

    /// <summary><c>uplink-outage</c>: a site's link is down for a while.</summary>
    UplinkOutage = 1 << 0,

    /// <summary><c>broker-restart</c>: the broker restarts, losing what it had in flight and not yet settled.</summary>
    BrokerRestart = 1 << 1,

    /// <summary><c>node-crash</c>: an edge node crashes and restarts (leaders included, also while offline).</summary>
    NodeCrash = 1 << 2,

    /// <summary><c>duplicate</c>: deltas are published twice.</summary>
    Duplicate = 1 << 3,

    /// <summary><c>tamper</c>: a byte is changed in a signed delta.</summary>
    Tamper = 1 << 4,

    /// <summary><c>forge</c>: a delta signed by an unenrolled key.</summary>
    Forge = 1 << 5,

    /// <summary><c>revoke</c>: a node is revoked mid-run.</summary>
    Revoke = 1 << 6,

    /// <summary><c>region-restart</c>: a region process restarts from its durable store.</summary>
    RegionRestart = 1 << 7,

    /// <summary><c>clock-skew</c>: an edge node's wall clock runs ahead or behind.</summary>
    ClockSkew = 1 << 8,

    /// <summary>Every class.</summary>
    All = UplinkOutage | BrokerRestart | NodeCrash | Duplicate | Tamper | Forge | Revoke | RegionRestart | ClockSkew,
}
