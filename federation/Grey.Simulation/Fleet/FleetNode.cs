using System.Security.Cryptography.X509Certificates;
using Grey.Edge.Outbox;
using Grey.Edge.StateMachine;
using Grey.Federation.Clock;
using Grey.Federation.Deltas;
using Grey.Federation.Signing;
using Grey.Raft;
using Grey.Simulation.Core;

namespace Grey.Simulation.Fleet;

/// <summary>
/// One edge node of a simulated site: a real <see cref="RawNode"/> (Grey.Raft) over a <see cref="MemoryStorage"/> that
/// models its fsynced WAL (it survives crashes), the edge's real <see cref="SiteStateMachine"/> (commands, epoch,
/// chain, acks recorded through Raft), the real <see cref="HybridLogicalClock"/> on the node's own (skewable) clock,
/// the real <see cref="RegionAckVerifier"/> and CMS delta signing, and the outbox rules of the edge's
/// <c>OutboxService</c> re-stated synchronously (the service itself runs on a task and a wall clock; see docs/FLEET.md).
/// </summary>
internal sealed class FleetNode
{
    private readonly FleetSite site;
    private readonly SimulatedFleet fleet;
    private readonly RegionAckVerifier ackVerifier;
    private RawNode? raft;
    private SiteStateMachine? sm;
    private HybridLogicalClock? hlc;
    private OutboxSession? session;
    private bool epochProposed;
    private int restarts;

    public FleetNode(SimulatedFleet fleet, FleetSite site, ulong id)
    {
        this.fleet = fleet;
        this.site = site;
        Id = id;
        Name = $"{site.Name}-n{id}";
        Certificate = FleetIdentities.CreateNodeCertificate(Name);
        Signer = new MessageSigner(Certificate);
        Clock = new SimulationTimeProvider(fleet.Queue);
        ackVerifier = new RegionAckVerifier(fleet.Identities.RegionCa, () => fleet.Identities.PublicRegionCertificates, Clock);
    }

    public ulong Id { get; }

    /// <summary>The node's enrolled name (a federation identifier), also the origin of its commands.</summary>
    public string Name { get; }

    public X509Certificate2 Certificate { get; }

    public MessageSigner Signer { get; }

    /// <summary>The node's wall clock (clock-skew steps it).</summary>
    public SimulationTimeProvider Clock { get; }

    /// <summary>The fsynced Raft log and hard state (survive crashes).</summary>
    public MemoryStorage Storage { get; } = new();

    /// <summary>The outbox journal (survives crashes, as its file does).</summary>
    public FleetJournal Journal { get; } = new();

    public bool IsUp => raft is not null;

    public bool IsLeader => raft is not null && Role == StateRole.Leader;

    public StateRole Role { get; private set; }

    /// <summary>A verified revocation notice named this node: it ships nothing more and hands leadership away.</summary>
    public bool Revoked { get; set; }

    public SiteStateMachine? StateMachine => sm;

    public void Bootstrap(IReadOnlyList<ulong> voters)
    {
        raft = RawNode.Bootstrap(Options(), voters);
        StartVolatile();
        HandleReady();
    }

    /// <summary>Power cut: the Raft node, state machine, clock state and outbox session are gone; storage and journal stay.</summary>
    public void Crash()
    {
        raft = null;
        sm = null;
        hlc = null;
        session = null;
        Role = StateRole.Follower;
        fleet.Trace.Record(fleet.Now, "crash", site.TraceId(Id), 0);
    }

    /// <summary>Restart from storage: a new state machine re-applies the committed log as Raft hands it out again.</summary>
    public void Restart()
    {
        restarts++;
        raft = new RawNode(Options() with { Applied = Storage.Snapshot().Metadata.Index });
        StartVolatile();
        fleet.Trace.Record(fleet.Now, "restart", site.TraceId(Id), 0);
        HandleReady();
    }

    public void Tick()
    {
        if (raft is null)
        {
            return;
        }

        raft.Tick();
        if (Revoked && Role == StateRole.Leader)
        {
            // A revoked node steps down, as the real outbox does: to the most caught-up other voter that is up.
            FleetNode? target = site.Nodes.Where(n => n != this && n.IsUp && !n.Revoked).OrderByDescending(n => n.StateMachine?.AppliedIndex ?? 0).FirstOrDefault();
            if (target is not null)
            {
                raft.TransferLeader(target.Id);
            }
        }

        HandleReady();
    }

    public void Receive(Message m)
    {
        if (raft is null)
        {
            return;
        }

        raft.Step(m);
        HandleReady();
    }

    /// <summary>A client write on this node (it must lead): stamped by the leader's HLC and proposed through Raft.</summary>
    public void ProposeWrite(Random rng)
    {
        if (raft is null || sm is null || hlc is null || Role != StateRole.Leader)
        {
            return;
        }

        if (sm.Epoch is null)
        {
            ProposeEpoch();
            return;
        }

        // The receive rule on the last stamp in the log first, so stamps rise with the index whatever the clocks do.
        hlc.MovePast(LastLoggedStamp());
        string key = "line/" + rng.Next(8).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Command command = rng.Next(3) == 0
            ? new Command { Kind = CommandKind.CounterAdd, Key = "count/" + key, Amount = rng.Next(1, 10), Stamp = hlc.Now(), Origin = Name }
            : new Command { Kind = CommandKind.Put, Key = key, Value = new[] { (byte)rng.Next(256), (byte)rng.Next(256) }, Stamp = hlc.Now(), Origin = Name };
        if (raft.Propose(CommandCodec.Encode(command)) == ProposeResult.Accepted)
        {
            fleet.Trace.Record(fleet.Now, "propose", site.TraceId(Id), 0, command.Stamp.WallMs, command.Stamp.Logical);
        }

        HandleReady();
    }

    /// <summary>The link (or the broker) came back: whatever was in flight may be lost, so ship again from the ack.</summary>
    public void OnLinkUp()
    {
        if (session is not null && sm is not null)
        {
            session.Restart(sm.AckedIndex + 1);
            fleet.Outbox.Resends++;
        }
    }

    /// <summary>
    /// The outbox pump of the leader (OutboxService.PumpAsync's rules): resume at the replicated acked index, resend
    /// on ack timeout, ship a checkpoint while a fold is unacknowledged, else batches from the journal within the window.
    /// </summary>
    public void Pump()
    {
        if (raft is null || sm is null || Role != StateRole.Leader || Revoked || sm.Epoch is not { } epoch)
        {
            session = null;
            return;
        }

        Journal.EnforceBudget();
        ulong acked = sm.AckedIndex;
        OutboxSession s = session ??= new OutboxSession(acked + 1);
        s.Acknowledged(acked);
        TimeSpan now = fleet.Now;
        if (s.OldestSentAt is { } oldest && now - oldest > FleetTiming.AckTimeout)
        {
            fleet.Outbox.Resends++;
            s.Restart(acked + 1);
        }

        if (now < s.RetryAt || !site.LinkUp || !fleet.Broker.Up)
        {
            return;
        }

        if (Journal.FoldThrough > acked)
        {
            if (!s.CheckpointInFlight)
            {
                ShipCheckpoint(s, epoch, acked);
            }

            return;
        }

        while (s.InFlightCount < FleetTiming.MaxInFlightDeltas && s.NextIndex <= sm.AppliedIndex)
        {
            if (!Journal.TryRead(s.NextIndex, FleetTiming.MaxEntriesPerDelta, out var batch, out byte[] chainBefore))
            {
                if (!s.CheckpointInFlight)
                {
                    ShipCheckpoint(s, epoch, acked);
                }

                return;
            }

            if (batch.Count == 0)
            {
                return;
            }

            bool full = batch.Count == FleetTiming.MaxEntriesPerDelta || Journal.TailIndex > batch[^1].Index;
            if (!full && fleet.WritesRunning && now - site.ChainedAt(batch[0].Index) < FleetTiming.Linger)
            {
                return;
            }

            if ((fleet.Sabotage & FleetSabotage.OutboxSkipsRange) != 0 && batch.Count >= 2)
            {
                // Sabotage: an entry is left out of every delta of several entries, which still claims the whole range.
                batch.RemoveAt(batch.Count / 2);
            }

            var delta = SiteDelta.Create(site.HomeRegion, site.Name, epoch, s.NextIndex, batch[^1].Index, chainBefore, batch);
            if (!Publish(s, delta, BrokerMessageKind.SiteDelta, s.NextIndex, batch))
            {
                return;
            }

            s.NextIndex = delta.LastIndex + 1;
        }
    }

    /// <summary>A signed ack arrived (OutboxService.HandleAckAsync's checks), recorded through Raft when it moves forward.</summary>
    public void HandleAck(byte[] wire)
    {
        if (raft is null || sm is null || Role != StateRole.Leader || Revoked)
        {
            return;
        }

        AckVerification verified = ackVerifier.Verify(wire);
        if (!verified.IsTrusted)
        {
            fleet.Report($"site {site.Name}: a region ack was refused: {verified.Error}");
            return;
        }

        var ack = verified.Ack!;
        if (ack.Region != site.HomeRegion || ack.Site != site.Name || ack.Epoch != sm.Epoch)
        {
            fleet.Report($"site {site.Name}: ack names {ack.Region}/{ack.Site}/{ack.Epoch}");
            return;
        }

        if (ack.MergedIndex <= Math.Max(sm.AckedIndex, session?.ProposedAck ?? 0))
        {
            return;
        }

        if (ack.MergedIndex > sm.AppliedIndex)
        {
            fleet.Report($"site {site.Name}: ack at {ack.MergedIndex} beyond applied {sm.AppliedIndex}");
            return;
        }

        if (!Journal.TryChainAt(ack.MergedIndex, out byte[] chain))
        {
            return;
        }

        if (!chain.AsSpan().SequenceEqual(ack.ChainHash))
        {
            fleet.Report($"site {site.Name}: ack at {ack.MergedIndex} has a chain hash that differs from the journal's");
            return;
        }

        var record = new SiteRecord(SiteRecordKind.RegionAck, Epoch: ack.Epoch, Region: ack.Region, AckIndex: ack.MergedIndex, ChainHash: ack.ChainHash.ToArray());
        if (raft.Propose(SiteRecordCodec.Encode(record), EntryKind.Record) == ProposeResult.Accepted && session is not null)
        {
            session.ProposedAck = ack.MergedIndex;
        }

        HandleReady();
    }

    /// <summary>A NAK: the region holds a gap from <paramref name="firstMissing"/>; ship again from there.</summary>
    public void HandleNak(ulong epoch, ulong firstMissing)
    {
        if (session is null || sm is null || sm.Epoch != epoch)
        {
            return;
        }

        fleet.Outbox.Naks++;
        session.Restart(Math.Max(sm.AckedIndex + 1, firstMissing));
    }

    private void ShipCheckpoint(OutboxSession s, ulong epoch, ulong acked)
    {
        if (sm!.SiteState is null || sm.LastChained is null)
        {
            fleet.Report($"site {site.Name}: a fold needs a checkpoint but node {Name} has no complete site state");
            return;
        }

        // The checkpoint stands at the last chained entry, whose chain hash the journal knows (so its ack can be checked).
        ulong index = sm.LastChained.Index;
        var checkpoint = CheckpointDelta.Create(site.HomeRegion, site.Name, epoch, index, sm.ChainHash.Span, sm.SiteState);
        s.Restart(acked + 1);
        if (Publish(s, checkpoint, BrokerMessageKind.Checkpoint, acked + 1, null))
        {
            s.NextIndex = index + 1;
        }
    }

    private bool Publish(OutboxSession s, Delta delta, BrokerMessageKind kind, ulong firstIndex, IReadOnlyList<Grey.Federation.Chain.DataEntry>? entries)
    {
        byte[] content = delta.Encode();
        byte[] wire = Signer.SignEnvelope(content);
        var message = new BrokerMessage
        {
            Id = fleet.NextMessageId(),
            Kind = kind,
            Subject = site.Name,
            To = site.HomeRegion,
            Wire = wire,
            Epoch = delta.Epoch,
            FirstIndex = firstIndex,
            LastIndex = delta.LastIndex,
            Entries = entries,
            Content = content,
        };
        if (!fleet.Broker.PublishDelta(site, message))
        {
            fleet.Outbox.PublishFailures++;
            s.RetryAt = fleet.Now + FleetTiming.UnavailableBackoff;
            return false;
        }

        site.LastPublished = message;
        s.Add(firstIndex, delta.LastIndex, fleet.Now, kind == BrokerMessageKind.Checkpoint);
        fleet.Outbox.Shipped(kind == BrokerMessageKind.Checkpoint, wire.Length);
        fleet.Trace.Record(fleet.Now, kind == BrokerMessageKind.Checkpoint ? "ship-checkpoint" : "ship", site.TraceId(Id), 0, (long)firstIndex, (long)delta.LastIndex);
        return true;
    }

    private void ProposeEpoch()
    {
        if (epochProposed)
        {
            return;
        }

        epochProposed = true;
        raft!.Propose(SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.Epoch, Epoch: site.Epoch)), EntryKind.Record);
    }

    private HlcTimestamp LastLoggedStamp()
    {
        // The stamp of the last data entry in this node's log (committed or not): a new leader moves past it.
        ulong last = Storage.LastIndex();
        ulong first = Math.Max(Storage.FirstIndex(), last > 64 ? last - 64 : 1);
        for (ulong i = last; i >= first && i > 0; i--)
        {
            Entry e = Storage.Entries(i, i + 1, ulong.MaxValue)[0];
            if (e.Kind == EntryKind.Data && CommandCodec.TryDecode(e.Data.Span, out Command? c, out _))
            {
                return HlcTimestamp.Max(c.Stamp, sm!.LastStamp);
            }
        }

        return sm!.LastStamp;
    }

    private void StartVolatile()
    {
        sm = new SiteStateMachine(site.Name);
        sm.KeepSiteState();
        hlc = new HybridLogicalClock(Clock);
        Role = StateRole.Follower;
        epochProposed = false;
    }

    private void HandleReady()
    {
        for (int round = 0; raft is not null && raft.HasReady(); round++)
        {
            if (round > 10_000)
            {
                throw new InvalidOperationException($"{Name}: more than 10000 consecutive Readies");
            }

            HandleOneReady(raft, raft.GetReady());
        }
    }

    private void HandleOneReady(RawNode node, Ready rd)
    {
        if (rd.SoftState is { } ss)
        {
            if (ss.Role == StateRole.Leader && Role != StateRole.Leader)
            {
                fleet.Trace.Record(fleet.Now, "leader", site.TraceId(Id), 0);
                session = null;
                epochProposed = false;
            }

            Role = ss.Role;
        }

        if (rd.Snapshot is { IsEmpty: false } snapshot)
        {
            // The fleet never compacts its logs, so a snapshot only comes from bootstrap.
            Storage.ApplySnapshot(snapshot);
        }

        if (rd.Entries.Count > 0)
        {
            Storage.Append(rd.Entries);
        }

        if (rd.HardState is { } hs)
        {
            Storage.SetHardState(hs);
        }

        foreach (Message m in rd.Messages)
        {
            site.SendPeer(m);
        }

        foreach (Entry e in rd.CommittedEntries)
        {
            Apply(node, e);
        }

        node.Advance(rd);
    }

    private void Apply(RawNode node, Entry e)
    {
        if (e.Index <= sm!.AppliedIndex)
        {
            return;
        }

        ulong chainedBefore = sm.ChainedEntries;
        sm.Apply(e);
        if (e.Kind == EntryKind.ConfChange)
        {
            node.ApplyConfChange(ConfChange.Decode(e.Data.Span));
        }
        else if (e.Kind == EntryKind.Record)
        {
            if (sm.Epoch is not null)
            {
                Journal.Start(Grey.Federation.Chain.ChainHash.Genesis(site.Name, sm.Epoch.Value));
            }

            Journal.Acknowledged(sm.AckedIndex);
        }

        if (sm.ChainedEntries > chainedBefore)
        {
            byte[] chain = sm.ChainHash.ToArray();
            Journal.Append(sm.LastChained!, chain);
            site.OnChained(this, sm.LastChained!, chain);
        }
    }

    private RaftOptions Options() => new()
    {
        Id = Id,
        ElectionTick = FleetTiming.ElectionTick,
        HeartbeatTick = FleetTiming.HeartbeatTick,
        Storage = Storage,
        Random = SeedDerivation.CreateRandom(fleet.Seed, $"raft-{site.Name}-{Id}-{restarts}"),
    };
}
