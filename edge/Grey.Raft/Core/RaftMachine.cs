using Grey.Raft.Log;
using Grey.Raft.Membership;
using Grey.Raft.Tracker;

namespace Grey.Raft.Core;

/// <summary>
/// The Raft protocol state machine (election, replication, membership, reads, transfer). It only queues
/// messages; <see cref="RawNode"/> hands them out in a Ready after the matching state is persisted.
/// Split by concern: this file holds the state, the roles and the top-level <see cref="Step"/>.
/// </summary>
internal sealed partial class RaftMachine
{
    /// <summary>The context of a Vote sent by a transfer campaign, so voters do not refuse it for their lease.</summary>
    internal static readonly ReadOnlyMemory<byte> CampaignTransferContext = new byte[] { 0x54 };

    private readonly RaftOptions options;
    private readonly Random random;
    private readonly List<Message> pendingReadIndexMessages = [];
    private int randomizedElectionTimeout;
    private int heartbeatElapsed;

    public RaftMachine(RaftOptions options)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid raft options: " + string.Join("; ", errors), nameof(options));
        }

        this.options = options;
        Id = options.Id;
        random = options.Random!;
        var storage = options.Storage!;
        Log = new RaftLog(storage, options.MaxCommittedSizePerReady, options.MaxCommittedEntriesPerReady);
        Tracker = new ProgressTracker(options.MaxInflightMessages, options.MaxInflightBytes);
        ReadOnly = new ReadOnlyQueue(options.ReadOnlyOption);

        var (hardState, confState) = storage.InitialState();
        var (cfg, prs) = Changer.Restore(Tracker, Log.LastIndex(), confState);
        Tracker.Config = cfg;
        Tracker.Progress = prs;
        IsLearner = Tracker.Progress.TryGetValue(Id, out var self) && self.IsLearner;

        if (!hardState.IsEmpty)
        {
            if (hardState.Commit < Log.Committed || hardState.Commit > Log.LastIndex())
            {
                throw new InvalidOperationException(
                    $"hard state commit {hardState.Commit} is out of range [{Log.Committed}, {Log.LastIndex()}]");
            }

            Log.CommitTo(hardState.Commit);
            Term = hardState.Term;
            Vote = hardState.Vote;
        }

        // The application's applied index is clamped into [snapshot index, commit index]: below the snapshot
        // the entries are gone (the application restores the snapshot's state), above the commit index
        // nothing can have been applied.
        if (options.Applied > Log.Applied)
        {
            Log.AppliedTo(Math.Min(options.Applied, Log.Committed));
        }

        BecomeFollower(Term, 0);
    }

    public ulong Id { get; }

    public ulong Term { get; private set; }

    public ulong Vote { get; private set; }

    public ulong Lead { get; private set; }

    public StateRole State { get; private set; }

    public bool IsLearner { get; private set; }

    public RaftLog Log { get; }

    public ProgressTracker Tracker { get; }

    public ReadOnlyQueue ReadOnly { get; private set; }

    /// <summary>The target of a leader transfer in progress, 0 when none.</summary>
    public ulong LeadTransferee { get; private set; }

    /// <summary>The index of the latest conf change proposed by this leader; another waits until it is applied.</summary>
    public ulong PendingConfIndex { get; private set; }

    /// <summary>Payload bytes of this leader's uncommitted entries, bounded by MaxUncommittedEntriesSize.</summary>
    public ulong UncommittedSize { get; private set; }

    public int ElectionElapsed { get; private set; }

    public int RandomizedElectionTimeout => randomizedElectionTimeout;

    public List<Message> Messages { get; } = [];

    public List<ReadState> ReadStates { get; } = [];

    public HardState HardState => new(Term, Vote, Log.Committed);

    public SoftState SoftState => new(Lead, State);

    internal RaftSabotage Sabotage => options.Sabotage;

    private void Send(Message m) => Messages.Add(m with { From = m.From == 0 ? Id : m.From });

    /// <summary>Feeds one message (network or local) through the term rules and then the role's handler.</summary>
    public void Step(Message m)
    {
        if (m.Term == 0)
        {
            // Local message: no term rules.
        }
        else if (m.Term > Term)
        {
            if (m.Type is MessageType.Vote or MessageType.PreVote)
            {
                var force = m.Context.Span.SequenceEqual(CampaignTransferContext.Span);
                var inLease = options.CheckQuorum && Lead != 0 && ElectionElapsed < options.ElectionTick;
                if (!force && inLease)
                {
                    // We heard from a leader within the minimum election timeout: ignore the disruption
                    // (neither bump the term nor grant the vote). This is what check-quorum's lease relies on.
                    return;
                }
            }

            if (m.Type == MessageType.PreVote)
            {
                // Never change the term in response to a pre-vote.
            }
            else if (m.Type == MessageType.PreVoteResponse && !m.Reject)
            {
                // A granted pre-vote carries the future term; the term rises only when the pre-candidate wins.
            }
            else if (m.Type is MessageType.Append or MessageType.Heartbeat or MessageType.Snapshot)
            {
                BecomeFollower(m.Term, m.From);
            }
            else
            {
                BecomeFollower(m.Term, 0);
            }
        }
        else if (m.Term < Term)
        {
            if ((options.CheckQuorum || options.PreVote) && m.Type is MessageType.Heartbeat or MessageType.Append)
            {
                // A leader from an older term (for example one cut off by a partition, whose term we passed
                // through pre-vote-free elections) learns of our term from this answer and steps down.
                Send(new Message { Type = MessageType.AppendResponse, To = m.From, Term = Term });
            }
            else if (m.Type == MessageType.PreVote)
            {
                Send(new Message { Type = MessageType.PreVoteResponse, To = m.From, Term = Term, Reject = true });
            }

            return;
        }

        switch (m.Type)
        {
            case MessageType.Hup:
                Hup(options.PreVote ? CampaignType.PreElection : CampaignType.Election);
                return;
            case MessageType.Vote:
            case MessageType.PreVote:
                HandleVoteRequest(m);
                return;
            case MessageType.VoteResponse or MessageType.PreVoteResponse when m.Reject:
                MaybeLearnCommit(m);
                break;
            default:
                break;
        }

        switch (State)
        {
            case StateRole.Leader:
                StepLeader(m);
                break;
            case StateRole.Candidate:
            case StateRole.PreCandidate:
                StepCandidate(m);
                break;
            default:
                StepFollower(m);
                break;
        }
    }

    public void BecomeFollower(ulong term, ulong lead)
    {
        Reset(term);
        Lead = lead;
        State = StateRole.Follower;
    }

    private void BecomePreCandidate()
    {
        if (State == StateRole.Leader)
        {
            throw new InvalidOperationException("invalid transition [leader -> pre-candidate]");
        }

        // A pre-candidate keeps its term and vote: the round must not disturb anyone.
        Tracker.ResetVotes();
        Lead = 0;
        State = StateRole.PreCandidate;
    }

    private void BecomeCandidate()
    {
        if (State == StateRole.Leader)
        {
            throw new InvalidOperationException("invalid transition [leader -> candidate]");
        }

        Reset(Term + 1);
        Vote = Id;
        State = StateRole.Candidate;
    }

    private void BecomeLeader()
    {
        if (State == StateRole.Follower)
        {
            throw new InvalidOperationException("invalid transition [follower -> leader]");
        }

        Reset(Term);
        Lead = Id;
        State = StateRole.Leader;
        var self = Tracker.Progress[Id];
        self.BecomeReplicate();
        self.RecentActive = true;

        // The empty entry of the new term lets the leader commit (Figure 8: only entries of its own term
        // commit by counting) and so learn what is committed from earlier terms.
        if (!AppendEntries([new Entry(0, 0, EntryKind.NoOp, ReadOnlyMemory<byte>.Empty)]))
        {
            throw new InvalidOperationException("the empty entry of a new leader was refused");
        }

        // No conf change until the new leader has applied its empty entry: this is the fix for the
        // single-server membership bug (a leader must commit an entry of its term before changing membership),
        // and it also covers a conf change of an earlier term that is not applied yet.
        PendingConfIndex = Log.LastIndex();
    }

    private void Reset(ulong term)
    {
        if (Term != term)
        {
            Term = term;
            Vote = 0;
        }

        Lead = 0;
        ElectionElapsed = 0;
        heartbeatElapsed = 0;
        ResetRandomizedElectionTimeout();
        AbortLeaderTransfer();
        Tracker.ResetVotes();
        var last = Log.LastIndex();
        foreach (var id in Tracker.Progress.Keys.ToList())
        {
            var fresh = new Progress(0, last + 1, Tracker.NewInflights(), Tracker.Progress[id].IsLearner);
            if (id == Id)
            {
                fresh.Match = last;
            }

            Tracker.Progress[id] = fresh;
        }

        PendingConfIndex = 0;
        UncommittedSize = 0;
        ReadOnly = new ReadOnlyQueue(options.ReadOnlyOption);
        pendingReadIndexMessages.Clear();
    }

    private void ResetRandomizedElectionTimeout() =>
        randomizedElectionTimeout = options.ElectionTick + random.Next(options.ElectionTick);

    /// <summary>
    /// Appends entries to the leader's log (assigning term and index), counting them against the
    /// uncommitted limit. False when the limit refuses them.
    /// </summary>
    private bool AppendEntries(IReadOnlyList<Entry> entries)
    {
        var last = Log.LastIndex();
        var stamped = new List<Entry>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            stamped.Add(entries[i] with { Term = Term, Index = last + 1 + (ulong)i });
        }

        if (!IncreaseUncommittedSize(stamped))
        {
            return false;
        }

        last = Log.Append(stamped);

        // A leader that removed itself has no progress entry; its own copy then does not count.
        if (Tracker.Progress.TryGetValue(Id, out var self))
        {
            self.MaybeUpdate(last);
        }


        // A single voter commits at once.
        MaybeCommit();
        return true;
    }

    private bool IncreaseUncommittedSize(IReadOnlyList<Entry> entries)
    {
        ulong size = 0;
        foreach (var e in entries)
        {
            size += e.PayloadSize;
        }

        // An empty payload is always allowed (so the leader's empty entry and leave-joint changes go
        // through), and so is the first entry when nothing is uncommitted, so a large entry cannot starve.
        if (UncommittedSize > 0 && size > 0 && UncommittedSize + size > options.MaxUncommittedEntriesSize)
        {
            return false;
        }

        UncommittedSize += size;
        return true;
    }

    /// <summary>Releases the uncommitted budget of entries handed to the application.</summary>
    public void ReduceUncommittedSize(IReadOnlyList<Entry> entries)
    {
        if (State != StateRole.Leader)
        {
            return;
        }

        ulong size = 0;
        foreach (var e in entries)
        {
            size += e.PayloadSize;
        }

        UncommittedSize = size > UncommittedSize ? 0 : UncommittedSize - size;
    }

    /// <summary>True when this node may campaign: a voter with no snapshot pending.</summary>
    public bool Promotable =>
        Tracker.Progress.TryGetValue(Id, out var pr) && !pr.IsLearner && !Log.HasNextOrInProgressSnapshot();

    public RaftStatus Status()
    {
        var progress = new Dictionary<ulong, PeerProgress>();
        if (State == StateRole.Leader)
        {
            foreach (var (id, pr) in Tracker.Progress)
            {
                progress[id] = pr.ToPublic();
            }
        }

        return new RaftStatus(Id, Term, Vote, Log.Committed, Log.Applied, State, Lead, LeadTransferee, Tracker.Config.ToConfState(), progress);
    }
}
