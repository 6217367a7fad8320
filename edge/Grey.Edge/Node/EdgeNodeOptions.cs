using Grey.Federation.Identifiers;

namespace Grey.Edge.Node;

/// <summary>
/// How one edge node runs. Immutable; every limit has a documented default; <see cref="Validate"/> reports
/// every problem at once.
/// </summary>
internal sealed record EdgeNodeOptions
{
    /// <summary>Default logical tick: 100 ms, so the default election timeout is 1-2 s.</summary>
    public static readonly TimeSpan DefaultTickInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>This node's Raft id (non-zero).</summary>
    public required ulong NodeId { get; init; }

    /// <summary>The site id (a federation identifier).</summary>
    public required string Site { get; init; }

    /// <summary>
    /// The voters of a brand-new site, this node included (etcd's initial cluster). Empty: a one-node site of
    /// this node alone. Ignored when the storage already holds state (a restart).
    /// </summary>
    public IReadOnlyList<ulong> InitialVoters { get; init; } = [];

    /// <summary>Join an existing site: start with empty storage and no configuration, and wait for the leader (added as a learner first).</summary>
    public bool Join { get; init; }

    /// <summary>This node's API address, published to the other members through the log so they can forward writes.</summary>
    public string ApiAddress { get; init; } = string.Empty;

    /// <summary>Wall time of one Raft tick.</summary>
    public TimeSpan TickInterval { get; init; } = DefaultTickInterval;

    /// <summary>Ticks before a follower campaigns (Raft's ElectionTick; default 10).</summary>
    public int ElectionTicks { get; init; } = 10;

    /// <summary>Ticks between leader heartbeats (default 1).</summary>
    public int HeartbeatTicks { get; init; } = 1;

    /// <summary>Applied entries between two snapshots (default 10 000); the log is compacted up to each snapshot, subject to the retention hook.</summary>
    public ulong SnapshotEntries { get; init; } = 10_000;

    /// <summary>Proposals and reads waiting for their outcome at once (default 16 384); more are refused as overloaded.</summary>
    public int MaxPending { get; init; } = 16_384;

    /// <summary>Events (proposals, peer messages, ticks) queued for the node loop (default 16 384); senders wait when full.</summary>
    public int EventQueueCapacity { get; init; } = 16_384;

    /// <summary>How long a proposal or a linearizable read may wait before it fails with a timeout (default 5 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Lists every problem.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (NodeId == 0)
        {
            errors.Add("node id must be non-zero");
        }

        if (!FederationId.IsValid(Site))
        {
            errors.Add($"site '{Site}' must match [a-z0-9][a-z0-9-]{{0,62}}");
        }

        if (InitialVoters.Count > 0 && !InitialVoters.Contains(NodeId) && !Join)
        {
            errors.Add($"the initial voters must include this node ({NodeId})");
        }

        if (InitialVoters.Contains(0UL) || InitialVoters.Distinct().Count() != InitialVoters.Count)
        {
            errors.Add("initial voters must be non-zero and distinct");
        }

        if (TickInterval < TimeSpan.FromMilliseconds(1) || TickInterval > TimeSpan.FromSeconds(10))
        {
            errors.Add("tick interval must be between 1 ms and 10 s");
        }

        if (ElectionTicks <= HeartbeatTicks || HeartbeatTicks < 1 || ElectionTicks > 1000)
        {
            errors.Add("election ticks must exceed heartbeat ticks (at least 1) and be at most 1000");
        }

        if (SnapshotEntries < 1)
        {
            errors.Add("snapshot entries must be at least 1");
        }

        if (MaxPending is < 1 or > 1_000_000)
        {
            errors.Add("max pending must be between 1 and 1 000 000");
        }

        if (EventQueueCapacity is < 16 or > 1_000_000)
        {
            errors.Add("event queue capacity must be between 16 and 1 000 000");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add("request timeout must be positive");
        }

        return errors;
    }
}
