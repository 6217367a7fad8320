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

        if (!present || IsLearner)
        {
            HandOverAfterRemoval();
        }

        return cs;
    }

    /// <summary>
    /// A leader that removed or demoted itself hands leadership to the most up-to-date voter instead of
    /// simply stepping down. Stepping down at once can stall the group: the other voters may not know yet
    /// that the change committed, and this node's log (which it no longer offers as a candidate) may be the
    /// most up-to-date one, so no voter could collect the votes its stale configuration asks for. Until the
    /// transfer completes the node keeps replicating (proposals are dropped); a transfer that times out is
    /// retried, and with no voter left to hand over to the node steps down.
    /// </summary>
    private void HandOverAfterRemoval()
    {
        if (LeadTransferee != 0)
        {
            return;
        }

        ulong best = 0;
        ulong bestMatch = 0;
        foreach (var id in Tracker.Config.Voters.Incoming.Ids)
        {
            var match = Tracker.Progress[id].Match;
            if (id != Id && (best == 0 || match > bestMatch))
            {
                best = id;
                bestMatch = match;
            }
        }

        if (best == 0)
        {
            BecomeFollower(Term, 0);
            return;
        }

        HandleTransferLeader(new Message { Type = MessageType.TransferLeader, From = best });
    }

    /// <summary>True while this leader is no longer a voter of its own configuration.</summary>
    private bool RemovedLeader =>
        State == StateRole.Leader && (!Tracker.Progress.TryGetValue(Id, out var self) || self.IsLearner);

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
