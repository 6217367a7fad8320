using Grey.Raft.Quorum;

namespace Grey.Raft.Tracker;

/// <summary>The membership as the tracker sees it: voters (possibly joint), learners, and learners-to-be.</summary>
internal sealed class TrackerConfig
{
    public JointConfig Voters { get; init; } = new();

    public SortedSet<ulong> Learners { get; init; } = [];

    /// <summary>Outgoing voters that become learners when the joint configuration is left.</summary>
    public SortedSet<ulong> LearnersNext { get; init; } = [];

    public bool AutoLeave { get; set; }

    public TrackerConfig Clone() => new()
    {
        Voters = Voters.Clone(),
        Learners = [.. Learners],
        LearnersNext = [.. LearnersNext],
        AutoLeave = AutoLeave,
    };

    public ConfState ToConfState() => new(
        [.. Voters.Incoming.Ids],
        [.. Learners],
        [.. Voters.Outgoing.Ids],
        [.. LearnersNext],
        AutoLeave);

    public override string ToString() => ToConfState().ToString();
}
