using Grey.Linearizability;
using Grey.Simulation.Invariants;

namespace Grey.Simulation.Raft;

/// <summary>The outcome of one simulation run.</summary>
internal sealed record SimulationResult
{
    public required ulong Seed { get; init; }

    /// <summary>The first violation found, or null when every check held.</summary>
    public InvariantViolation? Violation { get; init; }

    /// <summary>The linearizability verdict on the client history (not run when an invariant broke first).</summary>
    public Verdict? Verdict { get; init; }

    /// <summary>Events run.</summary>
    public required long Steps { get; init; }

    /// <summary>Virtual time the run covered.</summary>
    public required TimeSpan VirtualTime { get; init; }

    /// <summary>Distinct terms that had a leader.</summary>
    public required int Elections { get; init; }

    /// <summary>The highest log index any node applied (committed entries, all kinds).</summary>
    public required ulong Commits { get; init; }

    /// <summary>Operations in the checked history (unknown outcomes included).</summary>
    public required int HistoryOperations { get; init; }

    /// <summary>Operations whose outcome is unknown.</summary>
    public required int UnknownOperations { get; init; }

    /// <summary>States the linearizability checker explored.</summary>
    public long StatesExplored { get; init; }

    public required int Crashes { get; init; }

    public required int Partitions { get; init; }

    public required int MembershipChanges { get; init; }

    public required int Transfers { get; init; }

    public required long TornWrites { get; init; }

    /// <summary>Restarts whose WAL recovery cut a torn tail.</summary>
    public required int TornTailsCut { get; init; }

    /// <summary>Snapshots nodes received from a leader and installed.</summary>
    public required int SnapshotsInstalled { get; init; }

    public required long MessagesSent { get; init; }

    public required long MessagesDropped { get; init; }

    /// <summary>The hash over every traced event; the same seed must give the same hash.</summary>
    public required ulong TraceHash { get; init; }

    /// <summary>The last traced events (printed on failure).</summary>
    public required IReadOnlyList<string> RecentTrace { get; init; }

    /// <summary>The last faults, leader changes and membership changes (printed on failure).</summary>
    public required IReadOnlyList<string> RecentNotable { get; init; }

    /// <summary>The client history that was (or would have been) checked.</summary>
    public required IReadOnlyList<HistoryOperation> History { get; init; }

    /// <summary>True when every invariant held and the history was decided linearizable.</summary>
    public bool Passed => Violation is null && Verdict == Grey.Linearizability.Verdict.Linearizable;
}
