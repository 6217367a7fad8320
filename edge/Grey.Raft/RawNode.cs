using Grey.Raft.Core;

namespace Grey.Raft;

/// <summary>
/// A Raft node as a pure state machine, in the style of etcd-io/raft's RawNode: inputs are ticks, messages
/// and proposals; outputs come out of <see cref="GetReady"/> and are acknowledged by <see cref="Advance"/>.
/// It never does I/O, starts threads or reads a clock. Not thread-safe: drive it from one logical thread.
/// </summary>
public sealed class RawNode
{
    private readonly RaftMachine raft;
    private SoftState previousSoftState;
    private HardState previousHardState;
    private Ready? outstanding;

    /// <summary>Creates a node that restarts from whatever its storage holds.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem).</exception>
    public RawNode(RaftOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        raft = new RaftMachine(options);
        previousSoftState = raft.SoftState;
        previousHardState = raft.HardState;
    }

    /// <summary>This node's id.</summary>
    public ulong Id => raft.Id;

    internal RaftMachine Machine => raft;

    /// <summary>
    /// Starts a brand-new group on empty storage: the log begins with one AddVoter entry per voter (term 1,
    /// committed), which the first Ready hands out to persist and apply like any other entries.
    /// </summary>
    /// <exception cref="InvalidOperationException">The storage is not empty.</exception>
    public static RawNode Bootstrap(RaftOptions options, IReadOnlyList<ulong> voters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(voters);
        if (voters.Count == 0)
        {
            throw new ArgumentException("a group needs at least one voter", nameof(voters));
        }

        if (voters.Contains(0UL) || voters.Distinct().Count() != voters.Count)
        {
            throw new ArgumentException("voter ids must be non-zero and distinct", nameof(voters));
        }

        if (voters.Count > ConfChange.MaxChanges)
        {
            throw new ArgumentException($"at most {ConfChange.MaxChanges} voters", nameof(voters));
        }

        if (options.Storage is { } storage && (storage.LastIndex() != 0 || !storage.InitialState().HardState.IsEmpty))
        {
            throw new InvalidOperationException("can only bootstrap on empty storage");
        }

        var node = new RawNode(options);
        var r = node.raft;
        r.BecomeFollower(1, 0);
        var entries = new List<Entry>(voters.Count);
        for (var i = 0; i < voters.Count; i++)
        {
            entries.Add(new Entry(1, (ulong)i + 1, EntryKind.ConfChange, ConfChange.AddVoter(voters[i]).Encode()));
        }

        r.Log.Append(entries);
        r.Log.CommitTo((ulong)entries.Count);
        foreach (var id in voters)
        {
            r.ApplyConfChange(ConfChange.AddVoter(id));
        }

        return node;
    }

    /// <summary>Advances the logical clock by one tick (elections, heartbeats, check-quorum, transfer timeout).</summary>
    public void Tick() => raft.Tick();

    /// <summary>Starts an election now (a pre-vote round first when PreVote is on). Ignored on a leader or a learner.</summary>
    public void Campaign() => raft.Step(new Message { Type = MessageType.Hup, From = raft.Id });

    /// <summary>
    /// Proposes an entry. Only the leader accepts; a follower returns <see cref="ProposeResult.NotLeader"/>
    /// and the application retries on the leader. <see cref="EntryKind.ConfChange"/> entries must hold an
    /// encoded <see cref="ConfChange"/> (or use <see cref="ProposeConfChange"/>).
    /// </summary>
    public ProposeResult Propose(ReadOnlyMemory<byte> data, EntryKind kind = EntryKind.Data)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), $"unknown entry kind {(byte)kind}");
        }

        if (kind == EntryKind.ConfChange && !ConfChange.TryDecode(data.Span, out _, out var error))
        {
            throw new ArgumentException(error, nameof(data));
        }

        return raft.Propose(data, kind);
    }

    /// <summary>
    /// Proposes a membership change. Dropped while another change is pending (proposed and not applied),
    /// when it does not fit the current configuration, or before the leader applied an entry of its term.
    /// </summary>
    public ProposeResult ProposeConfChange(ConfChange cc)
    {
        ArgumentNullException.ThrowIfNull(cc);
        return raft.Propose(cc.Encode(), EntryKind.ConfChange);
    }

    /// <summary>Applies a committed membership change (call it for each ConfChange entry applied) and returns the membership.</summary>
    public ConfState ApplyConfChange(ConfChange cc)
    {
        ArgumentNullException.ThrowIfNull(cc);
        return raft.ApplyConfChange(cc);
    }

    /// <summary>Feeds a message received from a peer.</summary>
    /// <exception cref="ArgumentException">
    /// The message is local-only, not addressed to this node, has no sender or term, or is malformed (entries
    /// not consecutive after Index, terms out of order, a snapshot without voters, ...).
    /// </exception>
    public void Step(Message m)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (m.Type is MessageType.Hup or MessageType.Beat or MessageType.Unreachable or MessageType.SnapshotStatus)
        {
            throw new ArgumentException($"message type {m.Type} is local and cannot be stepped", nameof(m));
        }

        if (!Enum.IsDefined(m.Type))
        {
            throw new ArgumentException($"unknown message type {(int)m.Type}", nameof(m));
        }

        if (m.To != raft.Id)
        {
            throw new ArgumentException($"message for {m.To} stepped into node {raft.Id}", nameof(m));
        }

        if (m.From == 0 || m.Term == 0)
        {
            throw new ArgumentException($"network message {m.Type} needs a sender and a term", nameof(m));
        }

        if (MessageValidator.Validate(m) is { } error)
        {
            throw new ArgumentException($"malformed {m.Type} from {m.From}: {error}", nameof(m));
        }

        raft.Step(m);
    }

    /// <summary>
    /// Requests a linearizable read. The answer comes back in <see cref="Ready.ReadStates"/> with the same
    /// context (which should be unique per request); a request may be dropped (no leader, limits), so the
    /// application times it out and retries.
    /// </summary>
    public void ReadIndex(ReadOnlyMemory<byte> context) =>
        raft.Step(new Message { Type = MessageType.ReadIndex, From = raft.Id, Context = context });

    /// <summary>Asks the leader to hand leadership to <paramref name="transferee"/> (forwarded when called on a follower).</summary>
    public void TransferLeader(ulong transferee)
    {
        if (transferee == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(transferee), "node id 0 is not valid");
        }

        raft.Step(new Message { Type = MessageType.TransferLeader, From = transferee });
    }

    /// <summary>True when <see cref="GetReady"/> has something to hand out (false while a Ready awaits <see cref="Advance"/>).</summary>
    public bool HasReady()
    {
        if (outstanding is not null)
        {
            return false;
        }

        var hs = raft.HardState;
        return raft.SoftState != previousSoftState
            || (!hs.IsEmpty && hs != previousHardState)
            || raft.Log.Unstable.Snapshot is not null
            || raft.Log.Unstable.Entries.Count > 0
            || raft.Messages.Count > 0
            || raft.ReadStates.Count > 0
            || raft.Log.HasNextCommittedEntries();
    }

    /// <summary>Collects what the application must persist, send and apply. Call <see cref="Advance"/> before the next one.</summary>
    /// <exception cref="InvalidOperationException">The previous Ready was not advanced.</exception>
    public Ready GetReady()
    {
        if (outstanding is not null)
        {
            throw new InvalidOperationException("the previous Ready was not advanced");
        }

        var soft = raft.SoftState;
        var hard = raft.HardState;
        var entries = raft.Log.UnstableEntries();
        var hardChanged = hard != previousHardState;
        var rd = new Ready
        {
            SoftState = soft != previousSoftState ? soft : null,
            HardState = hardChanged ? hard : null,
            Entries = entries,
            Snapshot = raft.Log.Unstable.Snapshot,
            CommittedEntries = raft.Log.NextCommittedEntries(),
            Messages = [.. raft.Messages],
            ReadStates = [.. raft.ReadStates],
            // Entries, a new term or vote, and a snapshot must be durable before the messages that promise
            // them go out; a commit index alone may be lost (it is learned again from the leader).
            MustSync = entries.Count > 0 || raft.Log.Unstable.Snapshot is not null
                || hard.Term != previousHardState.Term || hard.Vote != previousHardState.Vote,
        };

        previousSoftState = soft;
        previousHardState = hard;
        raft.Messages.Clear();
        raft.ReadStates.Clear();
        if (rd.CommittedEntries.Count > 0)
        {
            raft.Log.AcceptApplying(rd.CommittedEntries[^1].Index);
        }

        outstanding = rd;
        return rd;
    }

    /// <summary>Acknowledges that the application persisted, sent and applied <paramref name="rd"/>.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="rd"/> is not the Ready last handed out.</exception>
    public void Advance(Ready rd)
    {
        ArgumentNullException.ThrowIfNull(rd);
        if (!ReferenceEquals(rd, outstanding))
        {
            throw new InvalidOperationException("Advance must be called with the Ready last returned by GetReady");
        }

        outstanding = null;
        if (rd.Snapshot is not null)
        {
            raft.Log.StableSnapTo(rd.Snapshot.Metadata.Index);
            raft.Log.AppliedTo(rd.Snapshot.Metadata.Index);
        }

        if (rd.Entries.Count > 0)
        {
            var last = rd.Entries[^1];
            raft.Log.StableTo(last.Index, last.Term);
        }

        if (rd.CommittedEntries.Count > 0)
        {
            raft.ReduceUncommittedSize(rd.CommittedEntries);
            raft.AppliedTo(rd.CommittedEntries[^1].Index);
        }
    }

    /// <summary>The node's current status (a leader includes its view of every member).</summary>
    public RaftStatus Status() => raft.Status();

    /// <summary>Reports that the last message to <paramref name="id"/> could not be delivered (leader only; otherwise ignored).</summary>
    public void ReportUnreachable(ulong id) =>
        raft.Step(new Message { Type = MessageType.Unreachable, From = id });

    /// <summary>Reports the outcome of sending a snapshot to <paramref name="id"/> (leader only; otherwise ignored).</summary>
    public void ReportSnapshot(ulong id, bool failed) =>
        raft.Step(new Message { Type = MessageType.SnapshotStatus, From = id, Reject = failed });
}
