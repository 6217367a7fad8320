using Grey.Raft.Quorum;

namespace Grey.Raft.Tracker;

/// <summary>The membership, the progress of every member, and the votes of the current election.</summary>
internal sealed class ProgressTracker
{
    private readonly Dictionary<ulong, bool> votes = [];

    public ProgressTracker(int maxInflight, ulong maxInflightBytes)
    {
        MaxInflight = maxInflight;
        MaxInflightBytes = maxInflightBytes;
    }

    public int MaxInflight { get; }

    public ulong MaxInflightBytes { get; }

    public TrackerConfig Config { get; set; } = new();

    public SortedDictionary<ulong, Progress> Progress { get; set; } = [];

    public IReadOnlyDictionary<ulong, bool> Votes => votes;

    public Inflights NewInflights() => new(MaxInflight, MaxInflightBytes);

    /// <summary>True when the only voter is a single node (and the configuration is not joint).</summary>
    public bool IsSingleton => Config.Voters.Incoming.Count == 1 && !Config.Voters.IsJoint;

    /// <summary>The largest index stored by a quorum of voters.</summary>
    public ulong Committed() =>
        Config.Voters.CommittedIndex(id => Progress.TryGetValue(id, out var pr) ? pr.Match : null);

    /// <summary>True when a quorum of voters was recently active (the node itself always counts).</summary>
    public bool QuorumActive(ulong self)
    {
        var active = new Dictionary<ulong, bool>();
        foreach (var (id, pr) in Progress)
        {
            if (!pr.IsLearner)
            {
                active[id] = pr.RecentActive || id == self;
            }
        }

        return Config.Voters.Tally(active) == VoteResult.Won;
    }

    public void ResetVotes() => votes.Clear();

    /// <summary>Records a vote; the first answer of a node counts, later ones are ignored.</summary>
    public void RecordVote(ulong id, bool granted) => votes.TryAdd(id, granted);

    public (int Granted, int Rejected, VoteResult Result) TallyVotes()
    {
        int granted = 0, rejected = 0;
        foreach (var (id, pr) in Progress)
        {
            if (pr.IsLearner || !votes.TryGetValue(id, out var vote))
            {
                continue;
            }

            if (vote)
            {
                granted++;
            }
            else
            {
                rejected++;
            }
        }

        return (granted, rejected, Config.Voters.Tally(votes));
    }
}
