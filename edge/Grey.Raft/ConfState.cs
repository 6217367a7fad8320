namespace Grey.Raft;

/// <summary>The membership of the group as it is after the last applied configuration change.</summary>
/// <param name="Voters">The voters of the (incoming) configuration.</param>
/// <param name="Learners">Non-voting members that receive the log.</param>
/// <param name="VotersOutgoing">The voters of the outgoing configuration while in a joint configuration; empty otherwise.</param>
/// <param name="LearnersNext">
/// Voters of the outgoing configuration that become learners when the joint configuration is left.
/// </param>
/// <param name="AutoLeave">True when the leader leaves the joint configuration by itself.</param>
public sealed record ConfState(
    IReadOnlyList<ulong> Voters,
    IReadOnlyList<ulong> Learners,
    IReadOnlyList<ulong> VotersOutgoing,
    IReadOnlyList<ulong> LearnersNext,
    bool AutoLeave)
{
    /// <summary>The membership of a node that has no configuration yet.</summary>
    public static ConfState Empty { get; } = new([], [], [], [], false);

    /// <summary>A simple (non-joint) configuration of voters only.</summary>
    public static ConfState OfVoters(params ulong[] voters) => new(voters, [], [], [], false);

    /// <summary>True while the group is in a joint configuration.</summary>
    public bool IsJoint => VotersOutgoing.Count > 0;

    /// <summary>Compares the member sets, ignoring order.</summary>
    public bool IsEquivalent(ConfState other)
    {
        ArgumentNullException.ThrowIfNull(other);
        static bool Same(IReadOnlyList<ulong> a, IReadOnlyList<ulong> b) => a.Order().SequenceEqual(b.Order());
        return Same(Voters, other.Voters) && Same(Learners, other.Learners)
            && Same(VotersOutgoing, other.VotersOutgoing) && Same(LearnersNext, other.LearnersNext)
            && AutoLeave == other.AutoLeave;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"voters=({string.Join(" ", Voters.Order())})"
        + (VotersOutgoing.Count > 0 ? $"&&({string.Join(" ", VotersOutgoing.Order())})" : string.Empty)
        + (Learners.Count > 0 ? $" learners=({string.Join(" ", Learners.Order())})" : string.Empty)
        + (LearnersNext.Count > 0 ? $" learners_next=({string.Join(" ", LearnersNext.Order())})" : string.Empty)
        + (AutoLeave ? " autoleave" : string.Empty);
}
