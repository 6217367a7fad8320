using Grey.Raft.Membership;
using Grey.Raft.Quorum;
using Grey.Raft.Tracker;

namespace Grey.Raft.Core;

/// <summary>Proposals, log replication, flow control, heartbeats and snapshots.</summary>
internal sealed partial class RaftMachine
{
    /// <summary>Appends a proposal to the leader's log and replicates it.</summary>
    public ProposeResult Propose(ReadOnlyMemory<byte> data, EntryKind kind)
    {
        if (State != StateRole.Leader)
        {
            return ProposeResult.NotLeader;
        }

        if (!Tracker.Progress.ContainsKey(Id) || LeadTransferee != 0)
        {
            // Removed from the group, or handing leadership over: the new leader takes proposals.
            return ProposeResult.Dropped;
        }

        if ((ulong)data.Length > options.MaxEntrySize)
        {
            return ProposeResult.Dropped;
        }

        if (kind == EntryKind.ConfChange && !AdmitConfChange(data))
        {
            return ProposeResult.Dropped;
        }

        if (!AppendEntries([new Entry(0, 0, kind, data)]))
        {
            return ProposeResult.Dropped;
        }

        if (kind == EntryKind.ConfChange)
        {
            PendingConfIndex = Log.LastIndex();
        }

        BroadcastAppend();
        return ProposeResult.Accepted;
    }

    /// <summary>
    /// Decides whether a conf change may be proposed now: one at a time (the previous one applied), joint
    /// configurations left before the next change, and the change valid against the current configuration.
    /// </summary>
    private bool AdmitConfChange(ReadOnlyMemory<byte> data)
    {
        if (!ConfChange.TryDecode(data.Span, out var cc, out _))
        {
            return false;
        }

        var alreadyPending = PendingConfIndex > Log.Applied;
        var alreadyJoint = Tracker.Config.Voters.IsJoint;
        if (alreadyPending || (alreadyJoint && !cc.IsLeaveJoint) || (!alreadyJoint && cc.IsLeaveJoint))
        {
            return false;
        }

        try
        {
            _ = ComputeConfChange(cc);
            return true;
        }
        catch (ConfChangeException)
        {
            return false;
        }
    }

    private void StepLeader(Message m)
    {
        switch (m.Type)
        {
            case MessageType.Beat:
                BroadcastHeartbeat();
                return;
            case MessageType.ReadIndex:
                HandleLeaderReadIndex(m);
                return;
            case MessageType.TransferLeader:
                HandleTransferLeader(m);
                return;
            default:
                break;
        }

        if (!Tracker.Progress.TryGetValue(m.From, out var pr))
        {
            return;
        }

        switch (m.Type)
        {
            case MessageType.AppendResponse:
                HandleAppendResponse(m, pr);
                break;
            case MessageType.HeartbeatResponse:
                HandleHeartbeatResponse(m, pr);
                break;
            case MessageType.SnapshotStatus:
                if (pr.State != ProgressState.Snapshot)
                {
                    return;
                }

                if (m.Reject)
                {
                    // The snapshot did not arrive: forget it so that the probe does not skip past it.
                    pr.PendingSnapshot = 0;
                }

                pr.BecomeProbe();

                // Wait for a heartbeat response before probing, so we do not flood a follower that is busy
                // installing the snapshot.
                pr.MsgAppFlowPaused = true;
                break;
            case MessageType.Unreachable:
                // Optimistic pipelining to an unreachable peer would lose many messages; probe instead.
                if (pr.State == ProgressState.Replicate)
                {
                    pr.BecomeProbe();
                }

                break;
            default:
                break;
        }
    }

    private void HandleAppendResponse(Message m, Progress pr)
    {
        pr.RecentActive = true;
        if (m.Reject)
        {
            // Fast back-off: the follower told us the last index at or before the probe whose term is at most
            // the term we sent; skip every entry of our log above the matching term as well.
            var nextProbe = m.RejectHint;
            if (m.LogTerm > 0)
            {
                nextProbe = Log.FindConflictByTerm(m.RejectHint, m.LogTerm).Index;
            }

            if (pr.MaybeDecrTo(m.Index, nextProbe))
            {
                if (pr.State == ProgressState.Replicate)
                {
                    pr.BecomeProbe();
                }

                SendAppend(m.From);
            }

            return;
        }

        var wasPaused = pr.IsPaused;
        if (!pr.MaybeUpdate(m.Index) && !(pr.Match == m.Index && pr.State == ProgressState.Probe))
        {
            return;
        }

        switch (pr.State)
        {
            case ProgressState.Probe:
                pr.BecomeReplicate();
                break;
            case ProgressState.Snapshot when pr.Match + 1 >= Log.FirstIndex():
                // The follower caught up past the snapshot (or the log it needs is available again).
                pr.BecomeProbe();
                pr.BecomeReplicate();
                break;
            case ProgressState.Replicate:
                pr.Inflights.FreeLE(m.Index);
                break;
            default:
                break;
        }

        if (MaybeCommit())
        {
            ReleasePendingReadIndexMessages();
            BroadcastAppend();
        }
        else if (wasPaused && m.From != Id)
        {
            SendAppend(m.From);
        }

        // Pipelining: keep sending while the flow-control window has room and there are entries to send.
        while (m.From != Id && MaybeSendAppend(m.From, sendIfEmpty: false))
        {
        }

        if (m.From == LeadTransferee && pr.Match == Log.LastIndex())
        {
            SendTimeoutNow(m.From);
        }
    }

    private void HandleHeartbeatResponse(Message m, Progress pr)
    {
        pr.RecentActive = true;
        pr.MsgAppFlowPaused = false;
        if (pr.Match < Log.LastIndex() || pr.State == ProgressState.Probe)
        {
            SendAppend(m.From);
        }

        if (m.Context.IsEmpty)
        {
            return;
        }

        var acks = ReadOnly.RecvAck(m.From, m.Context);
        if (acks is null || Tracker.Config.Voters.Tally(acks) != VoteResult.Won)
        {
            return;
        }

        foreach (var status in ReadOnly.Advance(m.Context))
        {
            RespondToReadIndex(status.Request, status.Index);
        }
    }

    private void StepFollower(Message m)
    {
        switch (m.Type)
        {
            case MessageType.Append:
                ElectionElapsed = 0;
                Lead = m.From;
                HandleAppendEntries(m);
                break;
            case MessageType.Heartbeat:
                ElectionElapsed = 0;
                Lead = m.From;
                HandleHeartbeat(m);
                break;
            case MessageType.Snapshot:
                ElectionElapsed = 0;
                Lead = m.From;
                HandleSnapshot(m);
                break;
            case MessageType.TransferLeader:
                if (Lead != 0)
                {
                    Send(m with { To = Lead, Term = Term });
                }

                break;
            case MessageType.TimeoutNow:
                // The leader chose us: campaign at once, skipping pre-vote, and tell voters to skip their lease.
                Hup(CampaignType.Transfer);
                break;
            case MessageType.ReadIndex:
                if (Lead != 0)
                {
                    Send(m with { To = Lead, Term = Term, From = Id });
                }

                break;
            case MessageType.ReadIndexResponse:
                ReadStates.Add(new ReadState(m.Index, m.Context));
                break;
            default:
                break;
        }
    }

    private void HandleAppendEntries(Message m)
    {
        if (m.Index < Log.Committed)
        {
            // Everything up to our commit index matches the leader's log (committed entries never change).
            Send(new Message { Type = MessageType.AppendResponse, To = m.From, Term = Term, Index = Log.Committed });
            return;
        }

        var lastNew = Log.MaybeAppend(m.Index, m.LogTerm, m.Commit, m.Entries);
        if (lastNew is not null)
        {
            Send(new Message { Type = MessageType.AppendResponse, To = m.From, Term = Term, Index = lastNew.Value });
            return;
        }

        // Reject with a hint: the largest index at or before the probe whose term is at most the probe's
        // term. The leader then skips all the entries of the conflicting term in one round trip.
        var hintIndex = Math.Min(m.Index, Log.LastIndex());
        var (index, term) = Log.FindConflictByTerm(hintIndex, m.LogTerm);
        Send(new Message
        {
            Type = MessageType.AppendResponse,
            To = m.From,
            Term = Term,
            Index = m.Index,
            Reject = true,
            RejectHint = index,
            LogTerm = term,
        });
    }

    private void HandleHeartbeat(Message m)
    {
        // The leader sends min(our match, its commit), so this never points past what we store.
        Log.CommitTo(Math.Min(m.Commit, Log.LastIndex()));
        Send(new Message { Type = MessageType.HeartbeatResponse, To = m.From, Term = Term, Context = m.Context });
    }

    private void HandleSnapshot(Message m)
    {
        if (m.Snapshot is null)
        {
            return;
        }

        var index = Restore(m.Snapshot) ? Log.LastIndex() : Log.Committed;
        Send(new Message { Type = MessageType.AppendResponse, To = m.From, Term = Term, Index = index });
    }

    /// <summary>Installs a snapshot from the leader; false when it is stale or our log already has it.</summary>
    private bool Restore(Snapshot snapshot)
    {
        var meta = snapshot.Metadata;
        if (meta.Index <= Log.Committed)
        {
            return false;
        }

        if (State != StateRole.Follower)
        {
            // Only a leader of this term sends snapshots, so we must be its follower; be defensive anyway.
            BecomeFollower(Term + 1, 0);
            return false;
        }

        // A snapshot whose configuration does not include us is still committed state: a node that joins
        // after the application's last snapshot receives such a snapshot, restores it, and learns of its own
        // membership from the log entries that follow (etcd refuses it instead, which stalls the joiner
        // until the application takes a newer snapshot).
        var cs = meta.ConfState;
        if (Log.MatchTerm(meta.Index, meta.Term))
        {
            // We already have the entry: fast-forward the commit index instead of discarding the log.
            Log.CommitTo(meta.Index);
            return false;
        }

        Log.Restore(snapshot);
        var (cfg, prs) = Changer.Restore(new ProgressTracker(Tracker.MaxInflight, Tracker.MaxInflightBytes), Log.LastIndex(), cs);
        SwitchToConfig(cfg, prs);
        return true;
    }

    public void BroadcastAppend()
    {
        foreach (var id in Tracker.Progress.Keys.ToList())
        {
            if (id != Id)
            {
                SendAppend(id);
            }
        }
    }

    private void SendAppend(ulong to) => MaybeSendAppend(to, sendIfEmpty: true);

    /// <summary>
    /// Sends the next Append to <paramref name="to"/> if flow control allows (or a snapshot when the entries
    /// it needs are compacted). With <paramref name="sendIfEmpty"/> false nothing is sent when there is no
    /// new entry. True when a message was sent.
    /// </summary>
    private bool MaybeSendAppend(ulong to, bool sendIfEmpty)
    {
        var pr = Tracker.Progress[to];
        if (pr.IsPaused)
        {
            return false;
        }

        var prevIndex = pr.Next - 1;
        if (!Log.TryTerm(prevIndex, out var prevTerm))
        {
            return SendSnapshot(to, pr);
        }

        IReadOnlyList<Entry> entries = [];
        try
        {
            // With a full window (sending only because a heartbeat answer unpaused us) send no entries: the
            // empty Append's answer clears the window whether the earlier messages arrived or were lost.
            if (pr.State != ProgressState.Replicate || !pr.Inflights.Full)
            {
                entries = Log.EntriesFrom(pr.Next, options.MaxSizePerMsg);
            }
        }
        catch (RaftStorageException e) when (e.Error == StorageError.Compacted)
        {
            return SendSnapshot(to, pr);
        }

        if (entries.Count == 0 && !sendIfEmpty)
        {
            return false;
        }

        ulong bytes = 0;
        foreach (var e in entries)
        {
            bytes += e.WireSize;
        }

        Send(new Message
        {
            Type = MessageType.Append,
            To = to,
            Term = Term,
            Index = prevIndex,
            LogTerm = prevTerm,
            Entries = entries,
            Commit = Log.Committed,
        });
        pr.UpdateOnEntriesSend(entries.Count, bytes);
        return true;
    }

    private bool SendSnapshot(ulong to, Progress pr)
    {
        if (!pr.RecentActive)
        {
            // Do not ship a snapshot to a peer that has not answered lately; it may be down.
            return false;
        }

        Snapshot snapshot;
        try
        {
            snapshot = Log.Snapshot();
        }
        catch (RaftStorageException e) when (e.Error == StorageError.SnapshotTemporarilyUnavailable)
        {
            return false;
        }

        if (snapshot.IsEmpty)
        {
            throw new InvalidOperationException($"need a non-empty snapshot to catch up peer {to}");
        }

        pr.BecomeSnapshot(snapshot.Metadata.Index);
        Send(new Message { Type = MessageType.Snapshot, To = to, Term = Term, Snapshot = snapshot });
        return true;
    }

    private void BroadcastHeartbeat() => BroadcastHeartbeat(ReadOnly.LastPendingRequestContext());

    private void BroadcastHeartbeat(ReadOnlyMemory<byte> context)
    {
        foreach (var (id, pr) in Tracker.Progress)
        {
            if (id == Id)
            {
                continue;
            }

            // Never tell a follower to commit past what it is known to store.
            Send(new Message
            {
                Type = MessageType.Heartbeat,
                To = id,
                Term = Term,
                Commit = Math.Min(pr.Match, Log.Committed),
                Context = context,
            });
        }
    }

    /// <summary>Advances the commit index to what a quorum stores, if that entry is of this term (Figure 8).</summary>
    private bool MaybeCommit() =>
        Log.MaybeCommit(Tracker.Committed(), Term, Sabotage.HasFlag(RaftSabotage.CommitPreviousTermByCount));
}
