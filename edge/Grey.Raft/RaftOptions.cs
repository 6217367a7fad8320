namespace Grey.Raft;

/// <summary>
/// The configuration of one node. Immutable; <see cref="Validate"/> reports every problem at once and the
/// <see cref="RawNode"/> constructor refuses invalid options.
/// </summary>
public sealed record RaftOptions
{
    /// <summary>Default <see cref="ElectionTick"/>.</summary>
    public const int DefaultElectionTick = 10;

    /// <summary>Default <see cref="MaxSizePerMsg"/>: 1 MiB.</summary>
    public const ulong DefaultMaxSizePerMsg = 1UL << 20;

    /// <summary>Default <see cref="MaxInflightMessages"/>.</summary>
    public const int DefaultMaxInflightMessages = 256;

    /// <summary>Default <see cref="MaxInflightBytes"/>: 32 MiB.</summary>
    public const ulong DefaultMaxInflightBytes = 32UL << 20;

    /// <summary>Default <see cref="MaxUncommittedEntriesSize"/>: 64 MiB.</summary>
    public const ulong DefaultMaxUncommittedEntriesSize = 64UL << 20;

    /// <summary>Default <see cref="MaxEntrySize"/>: 1 MiB.</summary>
    public const ulong DefaultMaxEntrySize = 1UL << 20;

    /// <summary>Default <see cref="MaxPendingReadIndex"/>.</summary>
    public const int DefaultMaxPendingReadIndex = 4096;

    /// <summary>Default <see cref="MaxCommittedEntriesPerReady"/>.</summary>
    public const int DefaultMaxCommittedEntriesPerReady = 1024;

    /// <summary>Default <see cref="MaxCommittedSizePerReady"/>: 8 MiB.</summary>
    public const ulong DefaultMaxCommittedSizePerReady = 8UL << 20;

    /// <summary>Upper bound for <see cref="ElectionTick"/>, to catch unit mistakes (ticks, not milliseconds).</summary>
    public const int MaxElectionTick = 100_000;

    /// <summary>This node's id; non-zero.</summary>
    public ulong Id { get; init; }

    /// <summary>
    /// Ticks without hearing from a leader before a follower campaigns. The actual timeout is drawn from
    /// [ElectionTick, 2*ElectionTick) each time it resets. Must be greater than <see cref="HeartbeatTick"/>.
    /// Default 10.
    /// </summary>
    public int ElectionTick { get; init; } = DefaultElectionTick;

    /// <summary>Ticks between the leader's heartbeats. Default 1.</summary>
    public int HeartbeatTick { get; init; } = 1;

    /// <summary>The stable storage the node reads; required.</summary>
    public IRaftStorage? Storage { get; init; }

    /// <summary>
    /// The last index the application has applied, so a restarted node does not hand out those entries
    /// again. 0 means "apply everything committed after the storage's snapshot" (the application restores
    /// the snapshot's state itself). Values below the snapshot index or above the commit index are clamped.
    /// Default 0.
    /// </summary>
    public ulong Applied { get; init; }

    /// <summary>
    /// Largest total size (payload plus 24 bytes per entry) of the entries of one Append message; a single
    /// larger entry is still sent alone. Also caps the entries read from storage at once. Default 1 MiB.
    /// </summary>
    public ulong MaxSizePerMsg { get; init; } = DefaultMaxSizePerMsg;

    /// <summary>Most Append messages in flight to one follower in the replicate state. Default 256.</summary>
    public int MaxInflightMessages { get; init; } = DefaultMaxInflightMessages;

    /// <summary>Most bytes of entries in flight to one follower in the replicate state. Default 32 MiB.</summary>
    public ulong MaxInflightBytes { get; init; } = DefaultMaxInflightBytes;

    /// <summary>
    /// Most payload bytes of entries the leader holds uncommitted; proposals beyond it are dropped (an
    /// empty entry is always accepted). Default 64 MiB.
    /// </summary>
    public ulong MaxUncommittedEntriesSize { get; init; } = DefaultMaxUncommittedEntriesSize;

    /// <summary>Largest payload of one proposed entry; larger proposals are dropped. Default 1 MiB.</summary>
    public ulong MaxEntrySize { get; init; } = DefaultMaxEntrySize;

    /// <summary>Most ReadIndex requests pending (awaiting quorum or the first commit of the term); more are dropped. Default 4096.</summary>
    public int MaxPendingReadIndex { get; init; } = DefaultMaxPendingReadIndex;

    /// <summary>Most committed entries handed out in one Ready. Default 1024.</summary>
    public int MaxCommittedEntriesPerReady { get; init; } = DefaultMaxCommittedEntriesPerReady;

    /// <summary>Most bytes (payload plus overhead) of committed entries in one Ready; at least one entry is always handed out. Default 8 MiB.</summary>
    public ulong MaxCommittedSizePerReady { get; init; } = DefaultMaxCommittedSizePerReady;

    /// <summary>Run a pre-vote round before an election so a partitioned node does not disrupt the group. Default true.</summary>
    public bool PreVote { get; init; } = true;

    /// <summary>A leader steps down when it has not heard from a quorum within an election timeout. Default true.</summary>
    public bool CheckQuorum { get; init; } = true;

    /// <summary>How ReadIndex confirms leadership. Default <see cref="ReadOnlyOption.Safe"/>; LeaseBased requires CheckQuorum.</summary>
    public ReadOnlyOption ReadOnlyOption { get; init; } = ReadOnlyOption.Safe;

    /// <summary>The seeded random source that draws randomized election timeouts; required.</summary>
    public Random? Random { get; init; }

    /// <summary>Deliberately broken rules for sabotage tests. Default none.</summary>
    internal RaftSabotage Sabotage { get; init; }

    /// <summary>Every problem with these options; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Id == 0)
        {
            errors.Add("Id must be non-zero");
        }

        if (HeartbeatTick <= 0)
        {
            errors.Add($"HeartbeatTick must be positive, got {HeartbeatTick}");
        }

        if (ElectionTick <= HeartbeatTick)
        {
            errors.Add($"ElectionTick ({ElectionTick}) must be greater than HeartbeatTick ({HeartbeatTick})");
        }

        if (ElectionTick > MaxElectionTick)
        {
            errors.Add($"ElectionTick ({ElectionTick}) must be at most {MaxElectionTick}");
        }

        if (Storage is null)
        {
            errors.Add("Storage is required");
        }

        if (Random is null)
        {
            errors.Add("Random is required (a seeded source, so that runs replay)");
        }

        if (MaxSizePerMsg == 0)
        {
            errors.Add("MaxSizePerMsg must be positive");
        }

        if (MaxInflightMessages <= 0)
        {
            errors.Add($"MaxInflightMessages must be positive, got {MaxInflightMessages}");
        }

        if (MaxInflightBytes < MaxSizePerMsg)
        {
            errors.Add($"MaxInflightBytes ({MaxInflightBytes}) must be at least MaxSizePerMsg ({MaxSizePerMsg})");
        }

        if (MaxEntrySize == 0)
        {
            errors.Add("MaxEntrySize must be positive");
        }

        if (MaxUncommittedEntriesSize < MaxEntrySize)
        {
            errors.Add($"MaxUncommittedEntriesSize ({MaxUncommittedEntriesSize}) must be at least MaxEntrySize ({MaxEntrySize})");
        }

        if (MaxPendingReadIndex <= 0)
        {
            errors.Add($"MaxPendingReadIndex must be positive, got {MaxPendingReadIndex}");
        }

        if (MaxCommittedEntriesPerReady <= 0)
        {
            errors.Add($"MaxCommittedEntriesPerReady must be positive, got {MaxCommittedEntriesPerReady}");
        }

        if (MaxCommittedSizePerReady == 0)
        {
            errors.Add("MaxCommittedSizePerReady must be positive");
        }

        if (ReadOnlyOption == ReadOnlyOption.LeaseBased && !CheckQuorum)
        {
            errors.Add("ReadOnlyOption.LeaseBased requires CheckQuorum, or a deposed leader could serve stale reads");
        }

        if (!Enum.IsDefined(ReadOnlyOption))
        {
            errors.Add($"ReadOnlyOption {(int)ReadOnlyOption} is not defined");
        }

        return errors;
    }
}
