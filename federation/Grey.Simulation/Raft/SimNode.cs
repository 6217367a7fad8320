using System.Buffers.Binary;
using Grey.Raft;
using Grey.Simulation.Core;
using Grey.Simulation.Disk;
using Grey.Simulation.Invariants;
using Grey.Simulation.Kv;

namespace Grey.Simulation.Raft;

/// <summary>
/// One simulated Raft node: a <see cref="RawNode"/> driven by the etcd-style application loop, a simulated
/// disk with a write-ahead log, the key-value state machine, and a skewed clock that ticks the node. A
/// crash throws away everything volatile (the RawNode, the state machine, pending requests, unsynced
/// writes); a restart rebuilds the stable storage from what the WAL kept and the state machine from the
/// latest snapshot, exactly as a real process would after a power cut.
/// </summary>
internal sealed class SimNode
{
    private readonly RaftSimulation sim;
    private readonly Random random;
    private readonly SimulatedWal wal;
    private readonly Dictionary<(int Client, long Sequence), (TimeSpan Since, Action<ClientReply> Reply)> pendingWrites = [];
    private readonly Dictionary<long, (TimeSpan Since, string Key, Action<ClientReply> Reply)> pendingReads = [];
    private readonly List<(ulong Index, string Key, Action<ClientReply> Reply)> readsAwaitingApply = [];
    private RawNode? raft;
    private MemoryStorage storage = new();
    private KvStore kv = new();
    private ITimer? tickTimer;
    private ulong applied;
    private ulong applyChain;
    private ulong lastSnapshotIndex;
    private ConfState conf = ConfState.Empty;
    private ulong term;
    private long nextReadId;

    /// <summary>
    /// The most client requests a node holds at once (writes awaiting apply plus reads awaiting ReadIndex).
    /// The simulator's clients keep one request each in flight, so the limit is only reached by a bug;
    /// beyond it the node answers "not leader" and the client retries.
    /// </summary>
    public const int MaxPendingRequests = 1024;

    public SimNode(RaftSimulation sim, ulong id, Random random, long clockRatePpm, TimeSpan clockOffset)
    {
        this.sim = sim;
        this.random = random;
        Id = id;
        Clock = new SimulationTimeProvider(sim.Queue, clockOffset, clockRatePpm);
        Disk = new SimulatedDisk();
        wal = new SimulatedWal(Disk);
    }

    public ulong Id { get; }

    /// <summary>This node's own (skewed) clock; its ticks come from a timer on it.</summary>
    public SimulationTimeProvider Clock { get; }

    public SimulatedDisk Disk { get; }

    /// <summary>True while the process runs.</summary>
    public bool IsUp => raft is not null;

    /// <summary>True while the node is shut down because it was removed from the group (it restarts only when re-added).</summary>
    public bool IsStopped { get; set; }

    /// <summary>True once the node has ever run (so it has a disk worth restarting from).</summary>
    public bool HasStarted { get; private set; }

    public StateRole Role { get; private set; }

    public ulong LeaderHint { get; private set; }

    public ulong Term => term;

    /// <summary>The membership as of the last applied entry.</summary>
    public ConfState Conf => conf;

    public ulong Applied => applied;

    /// <summary>Snapshots received from a leader and installed.</summary>
    public int SnapshotsInstalled { get; private set; }

    /// <summary>Restarts whose recovery cut a torn or garbled tail off the WAL.</summary>
    public int TornTailsCut { get; private set; }

    /// <summary>Crashes survived.</summary>
    public int Crashes { get; private set; }

    /// <summary>The raw node, for the fault schedule (leader transfer, membership changes).</summary>
    public RawNode? Raft => raft;

    /// <summary>Starts the node for the first time as a voter of a new group.</summary>
    public void Bootstrap(IReadOnlyList<ulong> voters)
    {
        storage = new MemoryStorage();
        raft = RawNode.Bootstrap(Options(0), voters);
        HasStarted = true;
        PersistStorageImage();
        AfterStart();
    }

    /// <summary>Starts a node that joins an existing group with an empty disk (it learns everything from the leader).</summary>
    public void StartEmpty()
    {
        storage = new MemoryStorage();
        raft = new RawNode(Options(0));
        HasStarted = true;
        AfterStart();
    }

    /// <summary>Restarts after a crash: recover the WAL, rebuild storage and the state machine.</summary>
    public WalRecovery Restart()
    {
        if (IsUp)
        {
            throw new InvalidOperationException($"n{Id} is already running");
        }

        IsStopped = false;
        var recovery = wal.Recover();
        if (recovery.CutBytes > 0)
        {
            TornTailsCut++;
        }

        storage = RaftWalCodec.Replay(recovery);
        var snapshot = storage.Snapshot();
        RestoreStateMachine(snapshot);
        raft = new RawNode(Options(applied));
        AfterStart();
        return recovery;
    }

    /// <summary>Power cut: everything volatile is gone; the disk keeps what was synced (and maybe a torn write).</summary>
    public int Crash()
    {
        if (!IsUp)
        {
            return 0;
        }

        tickTimer?.Dispose();
        tickTimer = null;
        raft = null;
        kv = new KvStore();
        pendingWrites.Clear();
        pendingReads.Clear();
        readsAwaitingApply.Clear();
        Role = StateRole.Follower;
        LeaderHint = 0;
        Crashes++;
        int lost = Disk.Crash(random, sim.Options.TornWriteProbability);

        // While the node is down, its durable log (what the invariant checks read) is what its disk holds.
        storage = RaftWalCodec.Replay(wal.Scan());
        return lost;
    }

    /// <summary>A message arrived from the network.</summary>
    public void Receive(Message message)
    {
        if (raft is null || sim.Violation is not null)
        {
            return;
        }

        raft.Step(message);
        HandleReady();
    }

    /// <summary>A client asks to write or compare-and-set.</summary>
    public void SubmitCommand(KvCommand command, Action<ClientReply> reply)
    {
        if (raft is null)
        {
            return;
        }

        if (Role != StateRole.Leader || !HasRoomForRequest())
        {
            reply(new ClientReply(ClientReplyKind.NotLeader, false, null, LeaderHint));
            return;
        }

        var result = raft.Propose(command.Encode());
        if (result != ProposeResult.Accepted)
        {
            reply(new ClientReply(ClientReplyKind.NotLeader, false, null, LeaderHint));
            return;
        }

        pendingWrites[(command.Client, command.Sequence)] = (sim.Queue.Clock.Now, reply);
        HandleReady();
    }

    /// <summary>A client asks to read a key, linearizably (through ReadIndex) unless sabotaged.</summary>
    public void SubmitRead(string key, Action<ClientReply> reply)
    {
        if (raft is null)
        {
            return;
        }

        if ((sim.Options.Sabotage & SimulationSabotage.StaleLocalRead) != 0)
        {
            reply(new ClientReply(ClientReplyKind.Done, true, kv.Read(key), LeaderHint));
            return;
        }

        if (LeaderHint == 0 || !HasRoomForRequest())
        {
            reply(new ClientReply(ClientReplyKind.NotLeader, false, null, LeaderHint));
            return;
        }

        long id = ++nextReadId;
        pendingReads[id] = (sim.Queue.Clock.Now, key, reply);
        var context = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(context, id);
        raft.ReadIndex(context);
        HandleReady();
    }

    /// <summary>
    /// True when another request fits under <see cref="MaxPendingRequests"/>. Requests whose entry was
    /// overwritten or whose ReadIndex was dropped never get an answer from Raft; once the table is half
    /// full, those older than the clients' deadline (no client still waits for them) are forgotten.
    /// </summary>
    private bool HasRoomForRequest()
    {
        if (pendingWrites.Count + pendingReads.Count >= MaxPendingRequests / 2)
        {
            var cutoff = sim.Queue.Clock.Now - sim.Options.OperationDeadline;
            foreach (var key in pendingWrites.Where(p => p.Value.Since < cutoff).Select(p => p.Key).ToList())
            {
                pendingWrites.Remove(key);
            }

            foreach (var key in pendingReads.Where(p => p.Value.Since < cutoff).Select(p => p.Key).ToList())
            {
                pendingReads.Remove(key);
            }
        }

        return pendingWrites.Count + pendingReads.Count < MaxPendingRequests;
    }

    /// <summary>Changes this node's clock rate (clock skew fault).</summary>
    public void SetClockRate(long ratePpm) => Clock.SetRate(ratePpm);

    /// <summary>Runs the application loop until the node has nothing more to hand out.</summary>
    public void HandleReady()
    {
        // Bounded: each Ready makes progress; a node that keeps producing Readies without end is a bug.
        for (int round = 0; raft is not null && raft.HasReady(); round++)
        {
            if (round > 10_000)
            {
                throw new InvalidOperationException($"n{Id}: more than 10000 consecutive Readies");
            }

            HandleOneReady(raft, raft.GetReady());
            if (sim.Violation is not null)
            {
                return;
            }
        }
    }

    private void HandleOneReady(RawNode node, Ready rd)
    {
        bool becameLeader = false;
        if (rd.HardState is { } hs)
        {
            term = hs.Term;
        }

        if (rd.SoftState is { } ss)
        {
            becameLeader = ss.Role == StateRole.Leader && Role != StateRole.Leader;
            Role = ss.Role;
            LeaderHint = ss.Leader;
            if (becameLeader)
            {
                sim.Trace.Record(sim.Queue.Clock.Now, "leader", Id, 0, (long)term, note: string.Empty);
            }
        }

        // 1. Persist: snapshot, entries, hard state; fsync when the Ready asks for it.
        if (rd.Snapshot is { IsEmpty: false } snapshot)
        {
            storage.ApplySnapshot(snapshot);
            wal.Append(RaftWalCodec.EncodeSnapshot(snapshot, taken: false, 0));
            RestoreStateMachine(snapshot);
            SnapshotsInstalled++;
            sim.Trace.Record(sim.Queue.Clock.Now, "install-snapshot", Id, 0, (long)snapshot.Metadata.Index, note: string.Empty);
            if (sim.Report(sim.Checker.ObserveChain(Id, applied, applyChain)))
            {
                return;
            }
        }

        if (rd.Entries.Count > 0)
        {
            storage.Append(rd.Entries);
            for (int i = 0; i < rd.Entries.Count; i += RaftWalCodec.MaxEntriesPerRecord)
            {
                var chunk = rd.Entries.Skip(i).Take(RaftWalCodec.MaxEntriesPerRecord).ToList();
                wal.Append(RaftWalCodec.EncodeEntries(chunk));
            }

            foreach (var e in rd.Entries)
            {
                if (e.Index < storage.FirstIndex())
                {
                    continue;
                }

                ulong prevTerm = storage.Term(e.Index - 1);
                if (sim.Report(sim.Checker.ObserveAppended(Id, e.Index, e.Term, prevTerm, ContentHash.Of((byte)e.Kind, e.Data.Span))))
                {
                    return;
                }
            }
        }

        if (rd.HardState is { } hardState)
        {
            storage.SetHardState(hardState);
            wal.Append(RaftWalCodec.EncodeHardState(hardState));
        }

        if (rd.MustSync || rd.Snapshot is { IsEmpty: false })
        {
            wal.Sync();
        }

        if (becameLeader)
        {
            if (sim.Report(sim.Checker.ObserveLeader(Id, term))
                || sim.Report(sim.Checker.CheckLeaderCompleteness(Id, term, LookUp)))
            {
                return;
            }

            sim.OnLeaderElected(this);
        }

        // 2. Send, now that what the messages promise is durable.
        List<ulong>? snapshotsSent = null;
        foreach (var m in rd.Messages)
        {
            sim.Network.Send(Id, m.To, m);
            if (m.Type == MessageType.Snapshot)
            {
                (snapshotsSent ??= []).Add(m.To);
            }
        }

        // 3. Apply what is committed.
        foreach (var e in rd.CommittedEntries)
        {
            if (!Apply(node, e))
            {
                return;
            }
        }

        foreach (var rs in rd.ReadStates)
        {
            long id = BinaryPrimitives.ReadInt64LittleEndian(rs.Context.Span);
            if (pendingReads.Remove(id, out var read))
            {
                readsAwaitingApply.Add((rs.Index, read.Key, read.Reply));
            }
        }

        ServeReads();
        node.Advance(rd);

        if (snapshotsSent is not null)
        {
            // The simulated transport cannot tell whether the snapshot arrived; reporting success lets the
            // leader probe the follower, which asks again if the snapshot was lost.
            foreach (ulong to in snapshotsSent)
            {
                node.ReportSnapshot(to, failed: false);
            }
        }

        MaybeTakeSnapshot();
    }

    private bool Apply(RawNode node, Entry e)
    {
        if (e.Index <= applied)
        {
            return true;
        }

        if (e.Index != applied + 1)
        {
            sim.Report(new InvariantViolation("state-machine-safety", $"n{Id} applies index {e.Index} after {applied}: a gap"));
            return false;
        }

        // The configuration the entry was committed under: the one in force before it is applied.
        var commitConf = conf;
        switch (e.Kind)
        {
            case EntryKind.Data:
                if (!KvCommand.TryDecode(e.Data.Span, out var command, out var error))
                {
                    throw new InvalidOperationException($"n{Id}: committed entry {e.Index} is not a command: {error}");
                }

                var result = kv.Apply(command);
                if (pendingWrites.Remove((command.Client, command.Sequence), out var pending))
                {
                    pending.Reply(new ClientReply(ClientReplyKind.Done, result.Ok, null, Id));
                }

                break;
            case EntryKind.ConfChange:
                conf = node.ApplyConfChange(ConfChange.Decode(e.Data.Span));
                sim.Trace.Record(sim.Queue.Clock.Now, "conf", Id, 0, (long)e.Index, note: conf.ToString());
                break;
            default:
                break;
        }

        ulong hash = ContentHash.Of((byte)e.Kind, e.Data.Span);
        applyChain = ContentHash.Chain(applyChain, e.Index, e.Term, hash);
        applied = e.Index;
        if (Role == StateRole.Leader && !commitConf.IsJoint && !sim.Checker.HasApplied(e.Index)
            && sim.Report(sim.CheckCommitDurable(Id, e.Index, e.Term, hash, commitConf.Voters)))
        {
            return false;
        }

        return !sim.Report(sim.Checker.ObserveApplied(Id, e.Index, e.Term, hash, applyChain, term));
    }

    private void ServeReads()
    {
        for (int i = readsAwaitingApply.Count - 1; i >= 0; i--)
        {
            var (index, key, reply) = readsAwaitingApply[i];
            if (index <= applied)
            {
                readsAwaitingApply.RemoveAt(i);
                reply(new ClientReply(ClientReplyKind.Done, true, kv.Read(key), LeaderHint));
            }
        }
    }

    private void MaybeTakeSnapshot()
    {
        if (applied < lastSnapshotIndex + (ulong)sim.Options.SnapshotInterval || applied > storage.LastIndex()
            || applied <= storage.Snapshot().Metadata.Index)
        {
            return;
        }

        var snapshot = storage.CreateSnapshot(applied, conf, EncodeSnapshotData());
        ulong compact = applied > (ulong)sim.Options.CompactionLag ? applied - (ulong)sim.Options.CompactionLag : 0;
        storage.Compact(compact);
        wal.Append(RaftWalCodec.EncodeSnapshot(snapshot, taken: true, compact));
        lastSnapshotIndex = applied;
    }

    private byte[] EncodeSnapshotData()
    {
        byte[] state = kv.Snapshot();
        var data = new byte[8 + state.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(data, applyChain);
        state.CopyTo(data, 8);
        return data;
    }

    private void RestoreStateMachine(Snapshot snapshot)
    {
        kv = new KvStore();
        applied = snapshot.Metadata.Index;
        lastSnapshotIndex = applied;
        conf = snapshot.Metadata.ConfState;
        applyChain = 0;
        readsAwaitingApply.Clear();
        if (snapshot.Data.Length == 0)
        {
            return;
        }

        var span = snapshot.Data.Span;
        if (span.Length < 8 || !kv.TryRestore(span[8..], out var error))
        {
            throw new InvalidOperationException($"n{Id}: snapshot at {applied} is malformed");
        }

        applyChain = BinaryPrimitives.ReadUInt64LittleEndian(span);
    }

    /// <summary>The index and term of the last entry in stable storage.</summary>
    public (ulong Index, ulong Term) LastDurable()
    {
        ulong last = storage.LastIndex();
        return (last, storage.Term(last));
    }

    /// <summary>What stable storage holds at <paramref name="index"/>.</summary>
    public LoggedEntry LookUp(ulong index)
    {
        if (index <= storage.Snapshot().Metadata.Index || index < storage.FirstIndex())
        {
            return new LoggedEntry(LogLookup.Compacted, 0, 0);
        }

        if (index > storage.LastIndex())
        {
            return new LoggedEntry(LogLookup.Missing, 0, 0);
        }

        var e = storage.Entries(index, index + 1, ulong.MaxValue)[0];
        return new LoggedEntry(LogLookup.Present, e.Term, ContentHash.Of((byte)e.Kind, e.Data.Span));
    }

    private void PersistStorageImage()
    {
        // Bootstrap may write the initial configuration straight into storage rather than through a Ready;
        // whatever it wrote must be on disk too, or a crash right after bootstrap would forget it.
        var snapshot = storage.Snapshot();
        if (!snapshot.IsEmpty)
        {
            wal.Append(RaftWalCodec.EncodeSnapshot(snapshot, taken: false, 0));
            conf = snapshot.Metadata.ConfState;
            applied = snapshot.Metadata.Index;
            lastSnapshotIndex = applied;
        }

        if (storage.LastIndex() >= storage.FirstIndex())
        {
            wal.Append(RaftWalCodec.EncodeEntries(storage.Entries(storage.FirstIndex(), storage.LastIndex() + 1, ulong.MaxValue)));
        }

        var (hs, _) = storage.InitialState();
        if (!hs.IsEmpty)
        {
            wal.Append(RaftWalCodec.EncodeHardState(hs));
            term = hs.Term;
        }

        wal.Sync();
    }

    private void AfterStart()
    {
        term = storage.InitialState().HardState.Term;
        Role = StateRole.Follower;
        LeaderHint = 0;
        tickTimer = Clock.CreateTimer(_ => OnTick(), null, sim.Options.TickInterval, sim.Options.TickInterval);
        HandleReady();
    }

    private void OnTick()
    {
        if (raft is null || sim.Violation is not null)
        {
            return;
        }

        raft.Tick();
        HandleReady();
    }

    private RaftOptions Options(ulong appliedIndex) => new()
    {
        Id = Id,
        ElectionTick = sim.Options.ElectionTick,
        HeartbeatTick = sim.Options.HeartbeatTick,
        Storage = storage,
        Applied = appliedIndex,
        MaxSizePerMsg = sim.MaxSizePerMessage,
        MaxInflightMessages = sim.MaxInflightMessages,
        MaxInflightBytes = 256 * 1024,
        Random = SeedDerivation.CreateRandom(sim.Options.Seed, $"raft-{Id}-{Crashes}"),
        Sabotage = sim.Options.RaftSabotage,
    };
}
