namespace Grey.Raft.Tracker;

/// <summary>
/// The leader's view of one follower: what it is known to have (<see cref="Match"/>), what to send next
/// (<see cref="Next"/>) and how (<see cref="State"/>). Follows etcd-io/raft's tracker.Progress.
/// </summary>
internal sealed class Progress
{
    public Progress(ulong match, ulong next, Inflights inflights, bool isLearner)
    {
        Match = match;
        Next = next;
        Inflights = inflights;
        IsLearner = isLearner;
    }

    public ulong Match { get; set; }

    public ulong Next { get; set; }

    public ProgressState State { get; private set; } = ProgressState.Probe;

    /// <summary>The index of the snapshot in flight (in the snapshot state), 0 otherwise.</summary>
    public ulong PendingSnapshot { get; set; }

    /// <summary>True when the follower was heard from since the last check-quorum round.</summary>
    public bool RecentActive { get; set; }

    /// <summary>
    /// No Append may be sent: in the probe state one is out unanswered; in the replicate state the in-flight
    /// window is full. A heartbeat response clears it, so that one (empty) Append goes out even with a full
    /// window: if every message in the window was lost, its answer (an ack or a rejection) unblocks the flow.
    /// </summary>
    public bool MsgAppFlowPaused { get; set; }

    public Inflights Inflights { get; }

    public bool IsLearner { get; set; }

    public Progress Clone() => new(Match, Next, Inflights.Clone(), IsLearner)
    {
        State = State,
        PendingSnapshot = PendingSnapshot,
        RecentActive = RecentActive,
        MsgAppFlowPaused = MsgAppFlowPaused,
    };

    private void ResetState(ProgressState state)
    {
        MsgAppFlowPaused = false;
        PendingSnapshot = 0;
        State = state;
        Inflights.Reset();
    }

    /// <summary>Probe: send one Append at a time, starting after what is known to match (or after the snapshot sent).</summary>
    public void BecomeProbe()
    {
        if (State == ProgressState.Snapshot)
        {
            var pending = PendingSnapshot;
            ResetState(ProgressState.Probe);
            Next = Math.Max(Match + 1, pending + 1);
        }
        else
        {
            ResetState(ProgressState.Probe);
            Next = Match + 1;
        }
    }

    public void BecomeReplicate()
    {
        ResetState(ProgressState.Replicate);
        Next = Match + 1;
    }

    public void BecomeSnapshot(ulong snapshotIndex)
    {
        ResetState(ProgressState.Snapshot);
        PendingSnapshot = snapshotIndex;
    }

    /// <summary>Accounts for an Append just sent with <paramref name="entries"/> entries of <paramref name="bytes"/> bytes.</summary>
    public void UpdateOnEntriesSend(int entries, ulong bytes)
    {
        switch (State)
        {
            case ProgressState.Replicate:
                if (entries > 0)
                {
                    var last = Next + (ulong)entries - 1;
                    Next = last + 1;
                    Inflights.Add(last, bytes);
                }

                MsgAppFlowPaused = Inflights.Full;
                break;
            case ProgressState.Probe:
                // One probe at a time: wait for its answer (or a heartbeat response) before the next.
                MsgAppFlowPaused = true;
                break;
            default:
                throw new InvalidOperationException($"sending entries in state {State}");
        }
    }

    /// <summary>Records an acknowledgement up to <paramref name="n"/>; true when it raised <see cref="Match"/>.</summary>
    public bool MaybeUpdate(ulong n)
    {
        var updated = false;
        if (Match < n)
        {
            Match = n;
            updated = true;
            MsgAppFlowPaused = false;
        }

        Next = Math.Max(Next, n + 1);
        return updated;
    }

    /// <summary>
    /// Handles a rejection of the Append whose previous index was <paramref name="rejected"/>; the follower's
    /// hint <paramref name="matchHint"/> lets the leader skip a whole conflicting term at once. False when the
    /// rejection is stale.
    /// </summary>
    public bool MaybeDecrTo(ulong rejected, ulong matchHint)
    {
        if (State == ProgressState.Replicate)
        {
            if (rejected <= Match)
            {
                return false;
            }

            Next = Match + 1;
            return true;
        }

        if (Next - 1 != rejected)
        {
            return false;
        }

        Next = Math.Max(Math.Min(rejected, matchHint + 1), Match + 1);
        MsgAppFlowPaused = false;
        return true;
    }

    /// <summary>True when the leader must not send Appends to this follower now.</summary>
    public bool IsPaused => State switch
    {
        ProgressState.Probe or ProgressState.Replicate => MsgAppFlowPaused,
        _ => true,
    };

    public PeerProgress ToPublic() => new(Match, Next, State, IsLearner, RecentActive, PendingSnapshot, Inflights.Count);

    public override string ToString() =>
        $"{State} match={Match} next={Next}" + (IsLearner ? " learner" : string.Empty)
        + (State == ProgressState.Snapshot ? $" pendingSnap={PendingSnapshot}" : string.Empty)
        + (MsgAppFlowPaused ? " paused" : string.Empty)
        + (Inflights.Count > 0 ? $" inflight={Inflights.Count}" + (Inflights.Full ? "[full]" : string.Empty) : string.Empty);
}
