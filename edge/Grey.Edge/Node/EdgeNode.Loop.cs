using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using Grey.Edge.StateMachine;
using Grey.Raft;

namespace Grey.Edge.Node;

/// <summary>The application loop: handle events, then persist (fsync) before sending, apply, serve reads, advance.</summary>
internal sealed partial class EdgeNode
{
    private async Task RunAsync()
    {
        var token = stopping.Token;
        try
        {
            await ProcessReadyAsync(token).ConfigureAwait(false);
            if (confState.Voters.Count == 1 && confState.Voters[0] == Id && confState.VotersOutgoing.Count == 0)
            {
                // A one-node site campaigns at once rather than waiting an election timeout.
                raw.Campaign();
                await ProcessReadyAsync(token).ConfigureAwait(false);
            }

            while (await events.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                var handled = 0;
                while (handled++ < MaxEventsPerRound && events.Reader.TryRead(out var e))
                {
                    Handle(e);
                }

                await ProcessReadyAsync(token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception e)
        {
            // A WAL failure or a broken invariant: the node must stop answering (G1), so it fails for good.
            failure = e;
            FailPending(ProposalStatus.Stopped, "the node failed: " + e.Message);
            Volatile.Write(ref leaderId, 0);
        }
    }

    private void Handle(NodeEvent e)
    {
        switch (e)
        {
            case TickEvent:
                tickCount++;
                raw.Tick();
                RetryStaleReads();
                break;
            case StepEvent step:
                try
                {
                    raw.Step(step.Message);
                }
                catch (ArgumentException)
                {
                    // A malformed peer message is refused; the decoder already checked its shape, so this is rare.
                }

                break;
            case ProposeEvent propose:
                HandlePropose(propose.Command, new PendingProposal(propose.Completion, Stopwatch.GetTimestamp()));
                break;
            case ProposeBatchEvent batch:
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < batch.Commands.Count; i++)
                {
                    HandlePropose(batch.Commands[i], new PendingProposal(null, started, batch.Batch, i));
                }

                break;
            case ReadEvent read:
                read.Read.Id = ++readSeq;
                read.Read.IssuedAtTick = tickCount;
                reads[read.Read.Id] = read.Read;
                raw.ReadIndex(ReadContext(read.Read.Id));
                break;
            case ProposeRecordEvent record:
                HandleProposeRecord(record);
                break;
            case ConfChangeEvent change:
                HandleConfChange(change);
                break;
            case TransferEvent transfer:
                raw.TransferLeader(transfer.Target);
                break;
            case UnreachableEvent unreachable:
                raw.ReportUnreachable(unreachable.PeerId);
                break;
            case SnapshotReportEvent report:
                raw.ReportSnapshot(report.PeerId, report.Failed);
                break;
        }
    }

    private void HandlePropose(Command proposed, PendingProposal pending)
    {
        if (role != StateRole.Leader)
        {
            pending.Complete(ProposalResult.Fail(ProposalStatus.NoLeader, "this node is not the leader"));
            return;
        }

        if (proposals.Count >= options.MaxPending)
        {
            pending.Complete(ProposalResult.Fail(ProposalStatus.Overloaded, $"more than {options.MaxPending} proposals pending"));
            return;
        }

        var id = ++proposalSeq;
        var command = proposed with { Stamp = hlc.Now(), Origin = origin, ProposalId = id };
        var bytes = CommandCodec.Encode(command);
        proposals[id] = pending;
        var result = raw.Propose(bytes);
        if (result != ProposeResult.Accepted)
        {
            proposals.TryRemove(id, out _);
            pending.Complete(ProposalResult.Fail(
                result == ProposeResult.NotLeader ? ProposalStatus.NoLeader : ProposalStatus.Dropped,
                result == ProposeResult.NotLeader ? "this node is not the leader" : "the proposal was dropped (size, backlog or a leadership transfer)"));
            return;
        }

        Metrics.Proposed();
    }

    private void HandleConfChange(ConfChangeEvent e)
    {
        if (role != StateRole.Leader)
        {
            e.Completion.TrySetResult(new MembershipResult(ProposalStatus.NoLeader, leaderId, "this node is not the leader"));
            return;
        }

        if (pendingConf is not null)
        {
            e.Completion.TrySetResult(new MembershipResult(ProposalStatus.Dropped, leaderId, "another membership change is pending"));
            return;
        }

        var result = raw.ProposeConfChange(e.Change);
        if (result != ProposeResult.Accepted)
        {
            e.Completion.TrySetResult(new MembershipResult(ProposalStatus.Dropped, leaderId, "the membership change was refused (it does not fit the configuration, or a change is not yet applied)"));
            return;
        }

        pendingConf = new PendingConfChange(e.Change, e.Completion);
    }

    private async Task ProcessReadyAsync(CancellationToken token)
    {
        var becameLeader = false;
        while (raw.HasReady())
        {
            var rd = raw.GetReady();
            if (rd.SoftState is { } soft)
            {
                becameLeader |= OnSoftState(soft);
            }

            if (rd.Snapshot is { } snapshot && !snapshot.IsEmpty)
            {
                await storage.ApplySnapshotAsync(snapshot, token).ConfigureAwait(false);
                if (!SiteStateMachine.TryRestore(options.Site, snapshot.Data.Span, out var restored, out var error))
                {
                    throw new InvalidOperationException($"a snapshot from the leader (index {snapshot.Metadata.Index}) does not restore: {error}");
                }

                lock (stateLock)
                {
                    machine = restored;
                    applyHook?.Restored(restored);
                }

                confState = snapshot.Metadata.ConfState;
                lastSnapshotIndex = snapshot.Metadata.Index;
                LearnPeers();
            }

            // A leader's appends and heartbeats vouch for nothing about its own log, so they leave before its fsync
            // and the followers write in parallel with it (Raft thesis §10.2.1) instead of one fsync after the
            // other. Safe because the leader counts an entry as committed only from acknowledgements handled in a
            // later round, and a round starts only after this round's fsync completed.
            var sentEarly = role == StateRole.Leader && SendLeaderReplication(rd.Messages);
            if (rd.Entries.Count > 0 || rd.HardState is not null)
            {
                var started = Stopwatch.GetTimestamp();
                await storage.AppendAsync(rd.Entries, rd.HardState, rd.MustSync, token).ConfigureAwait(false);
                if (rd.MustSync)
                {
                    Metrics.FsyncLatency.Observe(Stopwatch.GetElapsedTime(started));
                }
            }

            // Only now, with entries, term and vote durable, may messages that vouch for them leave.
            foreach (var message in rd.Messages)
            {
                if (!sentEarly || !IsLeaderReplication(message.Type))
                {
                    transport.Send(message);
                }
            }

            Apply(rd.CommittedEntries);
            foreach (var rs in rd.ReadStates)
            {
                if (rs.Context.Length == ReadContextBytes
                    && BinaryPrimitives.ReadUInt64LittleEndian(rs.Context.Span) == incarnation
                    && reads.TryRemove(BinaryPrimitives.ReadUInt64LittleEndian(rs.Context.Span[8..]), out var read))
                {
                    read.Index = rs.Index;
                    readsWaitingApply.Add(read);
                }
            }

            raw.Advance(rd);
            ServeReads();
        }

        if (becameLeader)
        {
            OnBecameLeader();
            await ProcessReadyAsync(token).ConfigureAwait(false);
        }

        Volatile.Write(ref status, raw.Status());
        MaybeSnapshot();
    }

    private bool OnSoftState(SoftState soft)
    {
        var wasLeader = role == StateRole.Leader;
        if (soft.Role is StateRole.Candidate && role is not StateRole.Candidate)
        {
            Metrics.ElectionStarted();
        }

        role = soft.Role;
        if (soft.Leader != Volatile.Read(ref leaderId))
        {
            Metrics.LeaderChanged();
            Volatile.Write(ref leaderId, soft.Leader);
        }

        if (wasLeader && role != StateRole.Leader)
        {
            // Entries proposed here may still commit under the next leader, or be overwritten: the caller cannot know.
            termStartIndex = ulong.MaxValue;
            FailProposals(ProposalStatus.Unknown, "leadership changed before the write applied; it may or may not have committed");
        }

        return !wasLeader && role == StateRole.Leader;
    }

    private void OnBecameLeader()
    {
        // The new leader's first entry (its no-op) is the last in its log; it can commit writes once that applies.
        var last = storage.LastIndex();
        termStartIndex = last;
        var highest = machine.LastStamp;
        var from = Math.Max(machine.AppliedIndex + 1, storage.FirstIndex());
        if (from <= last)
        {
            foreach (var entry in storage.Entries(from, last + 1, ulong.MaxValue))
            {
                if (entry.Kind == EntryKind.Data && CommandCodec.TryDecode(entry.Data.Span, out var command, out _) && command.Stamp > highest)
                {
                    highest = command.Stamp;
                }
            }
        }

        // DESIGN §3: stamps rise strictly with the log index across leader changes, whatever the clock skew.
        hlc.MovePast(highest);
        if (machine.Epoch is null)
        {
            Span<byte> epoch = stackalloc byte[8];
            random.NextBytes(epoch);
            raw.Propose(SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.Epoch, Epoch: BinaryPrimitives.ReadUInt64LittleEndian(epoch))), EntryKind.Record);
        }

        if (options.ApiAddress.Length > 0 && (!machine.MemberApis.TryGetValue(Id, out var published) || published != options.ApiAddress))
        {
            raw.Propose(SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.MemberApi, NodeId: Id, ApiAddress: options.ApiAddress)), EntryKind.Record);
        }
    }

    private void Apply(IReadOnlyList<Entry> committed)
    {
        foreach (var entry in committed)
        {
            if (entry.Kind == EntryKind.ConfChange)
            {
                var change = ConfChange.Decode(entry.Data.Span);
                confState = raw.ApplyConfChange(change);

                // Refresh the published status before the caller hears "applied", so it reads the new configuration.
                Volatile.Write(ref status, raw.Status());
                if (pendingConf is { } pending && pending.Change.Equals(change))
                {
                    pendingConf = null;
                    pending.Completion.TrySetResult(new MembershipResult(ProposalStatus.Applied, leaderId));
                }
            }

            CommandOutcome? outcome;
            Command? command;
            lock (stateLock)
            {
                if (entry.Index <= machine.AppliedIndex)
                {
                    // Already in the restored snapshot.
                    continue;
                }

                if (applyHook is null)
                {
                    outcome = machine.Apply(entry, out command);
                }
                else
                {
                    outcome = ApplyObserved(entry, out command);
                }
            }

            if (entry.Kind == EntryKind.Record)
            {
                LearnPeers();
            }

            if (outcome is { } o && command is not null && command.Origin == origin && proposals.TryRemove(command.ProposalId, out var waiting))
            {
                Metrics.CommitLatency.Observe(Stopwatch.GetElapsedTime(waiting.StartedTimestamp));
                waiting.Complete(new ProposalResult(ProposalStatus.Applied, o));
            }
        }
    }

    private void ServeReads()
    {
        if (readsWaitingApply.Count == 0)
        {
            return;
        }

        var applied = machine.AppliedIndex;
        readsWaitingApply.RemoveAll(read =>
        {
            if (read.Index > applied)
            {
                return false;
            }

            Metrics.ReadServed();
            read.Completion.TrySetResult(true);
            return true;
        });
    }

    private void RetryStaleReads()
    {
        // Raft drops a ReadIndex request when there is no leader or the leader changes; re-ask after an election
        // timeout so a read waiting through a leader change still completes (its caller bounds the total wait).
        foreach (var read in reads.Values)
        {
            if (tickCount - read.IssuedAtTick >= options.ElectionTicks)
            {
                read.IssuedAtTick = tickCount;
                raw.ReadIndex(ReadContext(read.Id));
            }
        }
    }

    private const int ReadContextBytes = 16;

    /// <summary>This run's incarnation, then the read's id: a response to another run's read never matches.</summary>
    private byte[] ReadContext(ulong id)
    {
        var bytes = new byte[ReadContextBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, incarnation);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), id);
        return bytes;
    }

    private void MaybeSnapshot()
    {
        var applied = machine.AppliedIndex;
        if (snapshotGapFrom != lastSnapshotIndex || snapshotGap == 0)
        {
            snapshotGap = SnapshotGap(options, lastSnapshotIndex);
            snapshotGapFrom = lastSnapshotIndex;
        }

        if (applied - lastSnapshotIndex < snapshotGap || Interlocked.CompareExchange(ref snapshotRunning, 1, 0) != 0)
        {
            return;
        }

        SiteStateMachine frozen;
        lock (stateLock)
        {
            frozen = machine.ForkForSnapshot();
        }

        // The outbox journal must hold everything through the snapshot before the snapshot (and the compaction
        // after it) can drop the log entries the journal would otherwise be rebuilt from (docs/OUTBOX.md).
        applyHook?.BeforeSnapshot(applied);
        var conf = confState;
        lastSnapshotIndex = applied;
        _ = Task.Run(async () =>
        {
            try
            {
                // Off the loop: the copy is encoded, the snapshot file is written synchronously by the store; the log
                // is compacted up to it, held back by the retention hook for entries the cloud has not acknowledged.
                int hint = Volatile.Read(ref lastSnapshotBytes);
                ReadOnlyMemory<byte> data = frozen.Snapshot(hint + (hint / 8));
                Volatile.Write(ref lastSnapshotBytes, data.Length);
                await storage.CreateSnapshotAsync(applied, conf, data).ConfigureAwait(false);
                await storage.CompactAsync(applied).ConfigureAwait(false);
                Metrics.SnapshotTaken();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failure ??= e;
            }
            finally
            {
                Volatile.Write(ref snapshotRunning, 0);
            }
        });
    }

    /// <summary>
    /// Applied entries after <paramref name="from"/> before this node snapshots again: <see cref="EdgeNodeOptions.SnapshotEntries"/>
    /// plus a spread of up to half of it, fixed by site, node and the last snapshot's index. Every member applies the
    /// same entries, so with one fixed interval all of them would encode their state at the same index, at the same
    /// moment, and a site's quorum would pause together (and so would every node of a fleet sharing one machine,
    /// under an even load). A hash, not the node's random source, so the Raft timings a seed produces are unchanged.
    /// </summary>
    internal static ulong SnapshotGap(EdgeNodeOptions options, ulong from)
    {
        ulong spread = options.SnapshotEntries / 2;
        if (spread == 0)
        {
            return options.SnapshotEntries;
        }

        ulong h = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(options.Site), (long)options.NodeId) ^ from;
        h = unchecked((h ^ (h >> 31)) * 0x9E3779B97F4A7C15UL);
        return options.SnapshotEntries + ((h ^ (h >> 29)) % (spread + 1));
    }

    private void FailProposals(ProposalStatus status, string error)
    {
        foreach (var id in proposals.Keys)
        {
            if (proposals.TryRemove(id, out var p))
            {
                p.Complete(ProposalResult.Fail(status, error));
            }
        }

        if (pendingConf is { } conf)
        {
            pendingConf = null;
            conf.Completion.TrySetResult(new MembershipResult(status, 0, error));
        }
    }

    private void FailPending(ProposalStatus status, string error)
    {
        FailProposals(status, error);
        foreach (var id in reads.Keys)
        {
            if (reads.TryRemove(id, out var r))
            {
                r.Completion.TrySetResult(false);
            }
        }

        foreach (var r in readsWaitingApply.ToArray())
        {
            r.Completion.TrySetResult(false);
        }
    }
}
