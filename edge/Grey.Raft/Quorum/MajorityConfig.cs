namespace Grey.Raft.Quorum;

/// <summary>A set of voters decided by simple majority.</summary>
internal sealed class MajorityConfig
{
    public MajorityConfig()
    {
    }

    public MajorityConfig(IEnumerable<ulong> ids) => Ids = [.. ids];

    public SortedSet<ulong> Ids { get; } = [];

    public int Count => Ids.Count;

    public MajorityConfig Clone() => new(Ids);

    /// <summary>
    /// The largest index acknowledged by a majority. An empty configuration returns <see cref="ulong.MaxValue"/>
    /// so that it never holds back the other half of a joint configuration.
    /// </summary>
    public ulong CommittedIndex(Func<ulong, ulong?> acked)
    {
        if (Ids.Count == 0)
        {
            return ulong.MaxValue;
        }

        var indexes = new ulong[Ids.Count];
        var i = 0;
        foreach (var id in Ids)
        {
            indexes[i++] = acked(id) ?? 0;
        }

        Array.Sort(indexes);

        // With n voters sorted ascending, the value at n - (n/2 + 1) is held by at least n/2 + 1 voters.
        return indexes[indexes.Length - ((indexes.Length / 2) + 1)];
    }

    /// <summary>Tallies votes: granted by a majority wins, rejected by enough to block a majority loses.</summary>
    public VoteResult Tally(IReadOnlyDictionary<ulong, bool> votes)
    {
        if (Ids.Count == 0)
        {
            // An empty configuration agrees with everything, so that joint tallies reduce to the other half.
            return VoteResult.Won;
        }

        int granted = 0, missing = 0;
        foreach (var id in Ids)
        {
            if (!votes.TryGetValue(id, out var vote))
            {
                missing++;
            }
            else if (vote)
            {
                granted++;
            }
        }

        var quorum = (Ids.Count / 2) + 1;
        if (granted >= quorum)
        {
            return VoteResult.Won;
        }

        return granted + missing >= quorum ? VoteResult.Pending : VoteResult.Lost;
    }

    public override string ToString() => $"({string.Join(" ", Ids)})";
}
