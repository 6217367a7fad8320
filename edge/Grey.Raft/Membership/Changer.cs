using Grey.Raft.Quorum;
using Grey.Raft.Tracker;

namespace Grey.Raft.Membership;

/// <summary>
/// Computes a new configuration and progress map from the current ones and a change, without touching
/// the current ones (every method works on copies). Modelled on etcd-io/raft's confchange.Changer.
/// Throws <see cref="ConfChangeException"/> when the change is not allowed.
/// </summary>
internal sealed class Changer
{
    private readonly ProgressTracker tracker;
    private readonly ulong lastIndex;

    public Changer(ProgressTracker tracker, ulong lastIndex)
    {
        this.tracker = tracker;
        this.lastIndex = lastIndex;
    }

    /// <summary>Enters a joint configuration: the current voters become the outgoing half, the changes shape the incoming half.</summary>
    public (TrackerConfig Config, SortedDictionary<ulong, Progress> Progress) EnterJoint(bool autoLeave, IReadOnlyList<ConfChangeSingle> changes)
    {
        var (cfg, prs) = CheckAndCopy();
        if (cfg.Voters.IsJoint)
        {
            throw new ConfChangeException("configuration is already joint");
        }

        if (cfg.Voters.Incoming.Count == 0)
        {
            // A joint configuration with an empty outgoing half is indistinguishable from a simple one.
            throw new ConfChangeException("cannot make a zero-voter configuration joint");
        }

        foreach (var id in cfg.Voters.Incoming.Ids)
        {
            cfg.Voters.Outgoing.Ids.Add(id);
        }

        Apply(cfg, prs, changes);
        cfg.AutoLeave = autoLeave;
        return CheckAndReturn(cfg, prs);
    }

    /// <summary>Leaves the joint configuration: the outgoing half goes away, learners-to-be become learners.</summary>
    public (TrackerConfig Config, SortedDictionary<ulong, Progress> Progress) LeaveJoint()
    {
        var (cfg, prs) = CheckAndCopy();
        if (!cfg.Voters.IsJoint)
        {
            throw new ConfChangeException("cannot leave a non-joint configuration");
        }

        foreach (var id in cfg.LearnersNext)
        {
            cfg.Learners.Add(id);
            prs[id].IsLearner = true;
        }

        cfg.LearnersNext.Clear();
        foreach (var id in cfg.Voters.Outgoing.Ids)
        {
            if (!cfg.Voters.Incoming.Ids.Contains(id) && !cfg.Learners.Contains(id))
            {
                prs.Remove(id);
            }
        }

        cfg.Voters.Outgoing.Ids.Clear();
        cfg.AutoLeave = false;
        return CheckAndReturn(cfg, prs);
    }

    /// <summary>
    /// Applies changes directly, allowed only when they change at most one voter: any two majorities of the
    /// old and new voter sets then overlap, which is what makes one-at-a-time changes safe.
    /// </summary>
    public (TrackerConfig Config, SortedDictionary<ulong, Progress> Progress) Simple(IReadOnlyList<ConfChangeSingle> changes)
    {
        var (cfg, prs) = CheckAndCopy();
        if (cfg.Voters.IsJoint)
        {
            throw new ConfChangeException("cannot apply a simple change in a joint configuration");
        }

        Apply(cfg, prs, changes);
        var before = tracker.Config.Voters.Incoming.Ids;
        var after = cfg.Voters.Incoming.Ids;
        var diff = before.Count(id => !after.Contains(id)) + after.Count(id => !before.Contains(id));
        if (diff > 1)
        {
            throw new ConfChangeException("more than one voter changed without entering a joint configuration");
        }

        return CheckAndReturn(cfg, prs);
    }

    /// <summary>Rebuilds a configuration from a <see cref="ConfState"/> (at start or from a snapshot).</summary>
    public static (TrackerConfig Config, SortedDictionary<ulong, Progress> Progress) Restore(ProgressTracker empty, ulong lastIndex, ConfState cs)
    {
        var tracker = empty;
        var outgoing = cs.VotersOutgoing.Select(id => new ConfChangeSingle(ConfChangeType.AddVoter, id)).ToList();
        var incoming = new List<ConfChangeSingle>();
        if (outgoing.Count == 0)
        {
            incoming.AddRange(cs.Voters.Select(id => new ConfChangeSingle(ConfChangeType.AddVoter, id)));
            incoming.AddRange(cs.Learners.Select(id => new ConfChangeSingle(ConfChangeType.AddLearner, id)));
        }
        else
        {
            // Build the outgoing configuration first, then enter the joint one from it: remove the outgoing
            // voters, add the incoming voters and the learners (learners-to-be are outgoing voters, so adding
            // them as learners puts them in LearnersNext).
            incoming.AddRange(cs.VotersOutgoing.Select(id => new ConfChangeSingle(ConfChangeType.RemoveNode, id)));
            incoming.AddRange(cs.Voters.Select(id => new ConfChangeSingle(ConfChangeType.AddVoter, id)));
            incoming.AddRange(cs.Learners.Select(id => new ConfChangeSingle(ConfChangeType.AddLearner, id)));
            incoming.AddRange(cs.LearnersNext.Select(id => new ConfChangeSingle(ConfChangeType.AddLearner, id)));
        }

        var simple = outgoing.Count == 0 ? incoming : outgoing;
        foreach (var change in simple)
        {
            var (cfg, prs) = new Changer(tracker, lastIndex).Simple([change]);
            tracker.Config = cfg;
            tracker.Progress = prs;
        }

        if (outgoing.Count > 0)
        {
            var (cfg, prs) = new Changer(tracker, lastIndex).EnterJoint(cs.AutoLeave, incoming);
            tracker.Config = cfg;
            tracker.Progress = prs;
        }

        return (tracker.Config, tracker.Progress);
    }

    private void Apply(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs, IReadOnlyList<ConfChangeSingle> changes)
    {
        foreach (var change in changes)
        {
            if (change.NodeId == 0)
            {
                throw new ConfChangeException("node id 0 is not valid");
            }

            switch (change.Type)
            {
                case ConfChangeType.AddVoter:
                    MakeVoter(cfg, prs, change.NodeId);
                    break;
                case ConfChangeType.AddLearner:
                    MakeLearner(cfg, prs, change.NodeId);
                    break;
                case ConfChangeType.RemoveNode:
                    Remove(cfg, prs, change.NodeId);
                    break;
                default:
                    throw new ConfChangeException($"unknown change type {change.Type}");
            }
        }

        if (cfg.Voters.Incoming.Count == 0)
        {
            throw new ConfChangeException("removed all voters");
        }
    }

    private void MakeVoter(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs, ulong id)
    {
        if (!prs.TryGetValue(id, out var pr))
        {
            InitProgress(cfg, prs, id, isLearner: false);
            return;
        }

        pr.IsLearner = false;
        cfg.Learners.Remove(id);
        cfg.LearnersNext.Remove(id);
        cfg.Voters.Incoming.Ids.Add(id);
    }

    private void MakeLearner(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs, ulong id)
    {
        if (!prs.TryGetValue(id, out var pr))
        {
            InitProgress(cfg, prs, id, isLearner: true);
            return;
        }

        if (pr.IsLearner)
        {
            return;
        }

        // Remove the voter from the incoming half but keep its progress. If it is still an outgoing voter
        // it only becomes a learner when the joint configuration is left; until then it keeps voting there.
        Remove(cfg, prs, id);
        prs[id] = pr;
        if (cfg.Voters.Outgoing.Ids.Contains(id))
        {
            cfg.LearnersNext.Add(id);
        }
        else
        {
            pr.IsLearner = true;
            cfg.Learners.Add(id);
        }
    }

    private static void Remove(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs, ulong id)
    {
        if (!prs.ContainsKey(id))
        {
            return;
        }

        cfg.Voters.Incoming.Ids.Remove(id);
        cfg.Learners.Remove(id);
        cfg.LearnersNext.Remove(id);

        // An outgoing voter keeps its progress until the joint configuration is left.
        if (!cfg.Voters.Outgoing.Ids.Contains(id))
        {
            prs.Remove(id);
        }
    }

    private void InitProgress(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs, ulong id, bool isLearner)
    {
        if (isLearner)
        {
            cfg.Learners.Add(id);
        }
        else
        {
            cfg.Voters.Incoming.Ids.Add(id);
        }

        // A new member starts probing at the last index; it counts as active so that check-quorum does not
        // depose the leader before the newcomer had a chance to answer.
        prs[id] = new Progress(0, Math.Max(lastIndex, 1), tracker.NewInflights(), isLearner) { RecentActive = true };
    }

    private (TrackerConfig, SortedDictionary<ulong, Progress>) CheckAndCopy()
    {
        var cfg = tracker.Config.Clone();
        var prs = new SortedDictionary<ulong, Progress>();
        foreach (var (id, pr) in tracker.Progress)
        {
            prs[id] = pr.Clone();
        }

        CheckInvariants(cfg, prs);
        return (cfg, prs);
    }

    private static (TrackerConfig, SortedDictionary<ulong, Progress>) CheckAndReturn(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs)
    {
        CheckInvariants(cfg, prs);
        return (cfg, prs);
    }

    /// <summary>The configuration and progress map must describe the same members; anything else is a bug.</summary>
    private static void CheckInvariants(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs)
    {
        foreach (var id in cfg.Voters.Ids().Concat(cfg.Learners).Concat(cfg.LearnersNext))
        {
            if (!prs.ContainsKey(id))
            {
                throw new InvalidOperationException($"no progress for member {id}");
            }
        }

        foreach (var id in cfg.LearnersNext)
        {
            if (!cfg.Voters.Outgoing.Ids.Contains(id) || prs[id].IsLearner)
            {
                throw new InvalidOperationException($"learner-to-be {id} must be an outgoing voter and not yet a learner");
            }
        }

        foreach (var id in cfg.Learners)
        {
            if (cfg.Voters.Ids().Contains(id) || !prs[id].IsLearner)
            {
                throw new InvalidOperationException($"learner {id} is also a voter or not marked as a learner");
            }
        }

        if (!cfg.Voters.IsJoint && (cfg.LearnersNext.Count > 0 || cfg.AutoLeave))
        {
            throw new InvalidOperationException("learners-to-be or auto-leave outside a joint configuration");
        }
    }
}
