namespace Grey.Raft.Quorum;

/// <summary>
/// Two majority configurations that must both agree: the incoming one and, during a joint change, the
/// outgoing one (empty otherwise).
/// </summary>
internal sealed class JointConfig
{
    public MajorityConfig Incoming { get; init; } = new();

    public MajorityConfig Outgoing { get; init; } = new();

    public bool IsJoint => Outgoing.Count > 0;

    public JointConfig Clone() => new() { Incoming = Incoming.Clone(), Outgoing = Outgoing.Clone() };

    /// <summary>Every voter of either half.</summary>
    public SortedSet<ulong> Ids()
    {
        var ids = new SortedSet<ulong>(Incoming.Ids);
        ids.UnionWith(Outgoing.Ids);
        return ids;
    }

    public bool Contains(ulong id) => Incoming.Ids.Contains(id) || Outgoing.Ids.Contains(id);

    public ulong CommittedIndex(Func<ulong, ulong?> acked) =>
        Math.Min(Incoming.CommittedIndex(acked), Outgoing.CommittedIndex(acked));

    public VoteResult Tally(IReadOnlyDictionary<ulong, bool> votes)
    {
        var a = Incoming.Tally(votes);
        var b = Outgoing.Tally(votes);
        if (a == b)
        {
            return a;
        }

        return a == VoteResult.Lost || b == VoteResult.Lost ? VoteResult.Lost : VoteResult.Pending;
    }

    public override string ToString() => IsJoint ? $"{Incoming}&&{Outgoing}" : Incoming.ToString();
}
