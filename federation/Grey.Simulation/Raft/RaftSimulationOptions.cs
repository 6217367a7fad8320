using Grey.Raft;

namespace Grey.Simulation.Raft;

/// <summary>
/// One simulation run of a Raft group: the seed and everything it does not decide. Immutable, with
/// documented defaults; <see cref="Validate"/> reports every problem at once.
/// </summary>
internal sealed record RaftSimulationOptions
{
    /// <summary>
    /// Default <see cref="MaxSteps"/>: 30,000 events. With the default timing that is about 6 to 10 seconds
    /// of virtual time, i.e. 30 to 60 election timeouts, so a run under all faults sees several elections,
    /// crashes, partitions and membership changes, while one seed takes well under a second.
    /// </summary>
    public const long DefaultMaxSteps = 30_000;

    /// <summary>The largest <see cref="MaxSteps"/> accepted, so a typo cannot start a run of hours.</summary>
    public const long MaxMaxSteps = 10_000_000;

    /// <summary>The most nodes a group may have (including the spare used for membership changes).</summary>
    public const int MaxNodes = 7;

    /// <summary>The seed that decides every random choice of the run.</summary>
    public ulong Seed { get; init; }

    /// <summary>Voters the group starts with (3 or 5 in the CLI). Default 3. One spare node more is kept for membership changes.</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>Which faults are injected. Default <see cref="FaultProfile.All"/>.</summary>
    public FaultProfile Faults { get; init; } = FaultProfile.All;

    /// <summary>Events (steps) to run; the last fifth is a quiet period without faults or new operations. Default 30,000.</summary>
    public long MaxSteps { get; init; } = DefaultMaxSteps;

    /// <summary>Concurrent clients. Default 4.</summary>
    public int Clients { get; init; } = 4;

    /// <summary>Keys the clients share. Default 3.</summary>
    public int Keys { get; init; } = 3;

    /// <summary>How long a client waits for the answer to one attempt before it tries again. Default 300 ms.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// How long a client keeps retrying one write or compare-and-set before it records the outcome as
    /// unknown. Default 3 s (longer than most faults last, so most operations end with a known outcome).
    /// </summary>
    public TimeSpan OperationDeadline { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Each node's tick period on its own (skewed) clock. Default 10 ms.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Raft election timeout in ticks. Default 10.</summary>
    public int ElectionTick { get; init; } = 10;

    /// <summary>Raft heartbeat period in ticks. Default 1.</summary>
    public int HeartbeatTick { get; init; } = 1;

    /// <summary>A node snapshots its state machine every this many applied entries. Default 40.</summary>
    public int SnapshotInterval { get; init; } = 40;

    /// <summary>Entries kept in the log behind a snapshot, so slightly lagging followers need no snapshot. Default 8.</summary>
    public int CompactionLag { get; init; } = 8;

    /// <summary>Probability that a crash leaves a torn write behind (when something was unsynced). Default 0.5.</summary>
    public double TornWriteProbability { get; init; } = 0.5;

    /// <summary>
    /// Under crash faults, the probability that a freshly elected leader is crashed within a few
    /// milliseconds, while it may still be re-replicating entries of earlier terms (the Raft paper's
    /// Figure 8 situation, which random crashes alone reach only rarely). Default 0.15.
    /// </summary>
    public double NewLeaderCrashProbability { get; init; } = 0.15;

    /// <summary>
    /// Raft's MaxSizePerMsg for every node, or null (the default) to draw it from the seed among 1 byte
    /// (one entry per message), 512 bytes and 4 KiB.
    /// </summary>
    public ulong? MaxSizePerMessage { get; init; }

    /// <summary>Events kept for the failure trace. Default 48.</summary>
    public int TraceCapacity { get; init; } = 48;

    /// <summary>A broken Raft rule to switch on (sabotage tests only).</summary>
    internal RaftSabotage RaftSabotage { get; init; }

    /// <summary>A broken rule of the simulator's own application path (sabotage tests only).</summary>
    internal SimulationSabotage Sabotage { get; init; }

    /// <summary>Every problem with these options; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Nodes < 1 || Nodes + 1 > MaxNodes)
        {
            errors.Add($"Nodes must lie in [1, {MaxNodes - 1}], got {Nodes}");
        }

        if (MaxSteps < 1 || MaxSteps > MaxMaxSteps)
        {
            errors.Add($"MaxSteps must lie in [1, {MaxMaxSteps}], got {MaxSteps}");
        }

        if (Clients < 0 || Clients > 64)
        {
            errors.Add($"Clients must lie in [0, 64], got {Clients}");
        }

        if (Keys < 1 || Keys > 64)
        {
            errors.Add($"Keys must lie in [1, 64], got {Keys}");
        }

        if (OperationTimeout <= TimeSpan.Zero || OperationDeadline < OperationTimeout)
        {
            errors.Add("OperationTimeout must be positive and OperationDeadline at least as long");
        }

        if (TickInterval < TimeSpan.FromMilliseconds(1))
        {
            errors.Add("TickInterval must be at least 1 ms");
        }

        if (HeartbeatTick < 1 || ElectionTick <= HeartbeatTick)
        {
            errors.Add($"need 1 <= HeartbeatTick < ElectionTick, got {HeartbeatTick} and {ElectionTick}");
        }

        if (SnapshotInterval < 1 || CompactionLag < 0)
        {
            errors.Add("SnapshotInterval must be positive and CompactionLag non-negative");
        }

        if (!(TornWriteProbability >= 0 && TornWriteProbability <= 1))
        {
            errors.Add("TornWriteProbability must lie in [0, 1]");
        }

        if (!(NewLeaderCrashProbability >= 0 && NewLeaderCrashProbability <= 1))
        {
            errors.Add("NewLeaderCrashProbability must lie in [0, 1]");
        }

        if (MaxSizePerMessage == 0)
        {
            errors.Add("MaxSizePerMessage must be positive when set");
        }

        if (TraceCapacity < 1)
        {
            errors.Add("TraceCapacity must be positive");
        }

        if (!Enum.IsDefined(Faults))
        {
            errors.Add($"Faults {(int)Faults} is not defined");
        }

        return errors;
    }
}
