using Grey.Federation.Clock;

namespace Grey.Edge.StateMachine;

/// <summary>
/// A client command as it travels in a Raft data entry. The leader fills <see cref="Stamp"/> (its HLC) and
/// <see cref="Origin"/> (its node name) when it proposes, so replicas never read their own clocks;
/// <see cref="ProposalId"/> lets the proposing node match the applied entry to the waiting caller.
/// </summary>
internal sealed record Command
{
    /// <summary>What the command does.</summary>
    public required CommandKind Kind { get; init; }

    /// <summary>The key (1-256 printable ASCII characters, may contain '/').</summary>
    public required string Key { get; init; }

    /// <summary>The precondition.</summary>
    public CommandCondition Condition { get; init; }

    /// <summary>The revision <see cref="CommandCondition.IfRevision"/> expects.</summary>
    public ulong ExpectedRevision { get; init; }

    /// <summary>The value of a <see cref="CommandKind.Put"/>.</summary>
    public ReadOnlyMemory<byte> Value { get; init; }

    /// <summary>The amount of a <see cref="CommandKind.CounterAdd"/>.</summary>
    public long Amount { get; init; }

    /// <summary>The member of a set command.</summary>
    public string Element { get; init; } = string.Empty;

    /// <summary>Unique per proposing node and run; 0 when nobody waits.</summary>
    public ulong ProposalId { get; init; }

    /// <summary>The leader's HLC stamp, set when proposed.</summary>
    public HlcTimestamp Stamp { get; init; }

    /// <summary>The proposing leader's node name (a federation identifier), set when proposed.</summary>
    public string Origin { get; init; } = string.Empty;
}
