using Grey.Raft.Membership;
using Grey.Raft.Tracker;

namespace Grey.Raft.Core;

/// <summary>Applying membership changes.</summary>
internal sealed partial class RaftMachine
{
    private (TrackerConfig Config, SortedDictionary<ulong, Progress> Progress) ComputeConfChange(ConfChange cc)
    {
        var changer = new Changer(Tracker, Log.LastIndex());
        if (cc.IsLeaveJoint)
        {
            return changer.LeaveJoint();
        }

        if (cc.EntersJoint(out var autoLeave))
        {
            return changer.EnterJoint(autoLeave, cc.Changes);
        }

        return changer.Simple(cc.Changes);
    }

    /// <summary>
    /// Applies a committed change. A change that is invalid for the current configuration is ignored: every
    /// member applies the same committed entries in the same order, so every member ignores it alike.
    /// </summary>
    public ConfState ApplyConfChange(ConfChange cc)
    {
        TrackerConfig cfg;
        SortedDictionary<ulong, Progress> prs;
        try
        {
            (cfg, prs) = ComputeConfChange(cc);
        }
        catch (ConfChangeException)
        {
            return Tracker.Config.ToConfState();
        }

        return SwitchToConfig(cfg, prs);
    }

    private ConfState SwitchToConfig(TrackerConfig cfg, SortedDictionary<ulong, Progress> prs)
    {
        Tracker.Config = cfg;
        Tracker.Progress = prs;
        var cs = cfg.ToConfState();
        var present = prs.TryGetValue(Id, out var self);
        IsLearner = present && self!.IsLearner;

        if ((!present || IsLearner) && State == StateRole.Leader)
        {
            // Removed or demoted: step down, so that the group elects a leader among the voters. (etcd keeps
            // such a leader by default; stepping down is the safer choice for an unattended edge site.)
            BecomeFollower(Term, 0);
            return cs;
        }

        if (State != StateRole.Leader || cs.Voters.Count == 0)
        {
            return cs;
        }

        // The quorum may have shrunk, so something may commit now; new members get a probe at once.
        if (MaybeCommit())
        {
            BroadcastAppend();
        }
        else
        {
            foreach (var id in Tracker.Progress.Keys.ToList())
            {
                if (id != Id)
                {
                    MaybeSendAppend(id, sendIfEmpty: false);
                }
            }
        }

        if (LeadTransferee != 0 && !Tracker.Config.Voters.Contains(LeadTransferee))
        {
            AbortLeaderTransfer();
        }

        return cs;
    }

    /// <summary>Records what the application applied; a leader in an auto-leave joint configuration proposes leaving it.</summary>
    public void AppliedTo(ulong index)
    {
        Log.AppliedTo(index);
        if (Tracker.Config.AutoLeave && index >= PendingConfIndex && State == StateRole.Leader)
        {
            var leave = ConfChange.LeaveJoint().Encode();
            if (!AppendEntries([new Entry(0, 0, EntryKind.ConfChange, leave)]))
            {
                // The uncommitted budget is full; entries in flight will commit and we retry on that apply.
                return;
            }

            PendingConfIndex = Log.LastIndex();
            BroadcastAppend();
        }
    }
}
