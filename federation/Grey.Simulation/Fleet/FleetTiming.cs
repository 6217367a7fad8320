namespace Grey.Simulation.Fleet;

/// <summary>
/// The simulated fleet's clocks and limits, all in virtual time. Named so that docs/FLEET.md can cite them and
/// so that no magic number hides in the model.
/// </summary>
internal static class FleetTiming
{
    /// <summary>Each site's heartbeat: every up node ticks its Raft node and the leader pumps its outbox.</summary>
    public static readonly TimeSpan SiteTick = TimeSpan.FromMilliseconds(100);

    /// <summary>Raft election timeout in ticks (1 s with <see cref="SiteTick"/>).</summary>
    public const int ElectionTick = 10;

    /// <summary>Raft heartbeat in ticks.</summary>
    public const int HeartbeatTick = 1;

    /// <summary>One-way delay between nodes of a site: uniform in [min, max] milliseconds.</summary>
    public const int PeerDelayMinMs = 1, PeerDelayMaxMs = 10;

    /// <summary>Probability, in per mille, that a peer message is dropped.</summary>
    public const int PeerDropPerMille = 10;

    /// <summary>Mean interval between client writes at one site (uniform in [write/2, 3*write/2]).</summary>
    public static readonly TimeSpan WriteInterval = TimeSpan.FromMilliseconds(400);

    /// <summary>Broker delivery delay: uniform in [min, max] milliseconds (different delays reorder messages).</summary>
    public const int BrokerDelayMinMs = 2, BrokerDelayMaxMs = 40;

    /// <summary>Probability, in per mille, that the broker delivers a delta twice when the duplicate class is on.</summary>
    public const int DuplicatePerMille = 150;

    /// <summary>How often a region ingests what arrived, flushes (group commit) and acknowledges.</summary>
    public static readonly TimeSpan RegionTurn = TimeSpan.FromMilliseconds(50);

    /// <summary>How often each region publishes its region delta to the others.</summary>
    public static readonly TimeSpan GossipInterval = TimeSpan.FromSeconds(1);

    /// <summary>The outbox resends from the acknowledged index when its oldest delta waited this long for an ack.</summary>
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>After a publish the broker refused, the outbox waits this long (the real OutboxService's UnavailableBackoff).</summary>
    public static readonly TimeSpan UnavailableBackoff = TimeSpan.FromSeconds(1);

    /// <summary>A partial batch waits at most this long for company (the real outbox's linger).</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(200);

    /// <summary>Deltas in flight (published, not acknowledged) per site.</summary>
    public const int MaxInFlightDeltas = 8;

    /// <summary>Data entries per site delta.</summary>
    public const int MaxEntriesPerDelta = 64;

    /// <summary>The outbox budget: unacknowledged entries a node's journal keeps before it folds them into a checkpoint.</summary>
    public const int JournalBudgetEntries = 24;

    /// <summary>After the writes stop, the longest the fleet waits for quiet before it verifies anyway (and fails).</summary>
    public static readonly TimeSpan MaxDrain = TimeSpan.FromMinutes(5);

    /// <summary>How often the drain checks for quiet.</summary>
    public static readonly TimeSpan DrainCheck = TimeSpan.FromMilliseconds(500);

    /// <summary>Lifetime of the attestation results the simulated verifier signs (virtual time).</summary>
    public static readonly TimeSpan AttestationLifetime = TimeSpan.FromDays(2);
}
