using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Merge;
using Grey.Federation.State;
using Grey.Region;
using Grey.Region.Ingest;
using Grey.Region.Registry;
using Grey.Simulation.Core;

namespace Grey.Simulation.Fleet;

/// <summary>
/// One simulated region: the real <see cref="RegionCore"/> (verify, merge, gap hold, quarantine, durable store,
/// signed acks, region deltas) over a <see cref="SimulatedRegionFileSystem"/>, driven in turns like the daemon's
/// host loop (ingest what arrived, flush once, then acknowledge and settle). The checker sees every outcome.
/// </summary>
internal sealed class FleetRegion : IDisposable
{
    private readonly SimulatedFleet fleet;
    private readonly SimulatedRegionFileSystem disk = new();
    private readonly X509Certificate2 certificate;
    private readonly Dictionary<string, X509Certificate2> peers;
    private readonly List<BrokerMessage> inbox = [];
    private RegionCore? core;

    public FleetRegion(SimulatedFleet fleet, string name, X509Certificate2 certificate, Dictionary<string, X509Certificate2> peers)
    {
        this.fleet = fleet;
        this.certificate = certificate;
        this.peers = peers;
        Name = name;
        Clock = new SimulationTimeProvider(fleet.Queue);
        Registry = fleet.Identities.NewRegistry(Clock);
        core = Open();
    }

    public string Name { get; }

    public SimulationTimeProvider Clock { get; }

    /// <summary>The enrolled nodes (the daemon keeps them in its enrollment store, so they survive restarts).</summary>
    public NodeRegistry Registry { get; }

    public bool Up => core is not null;

    public RegionCore Core => core ?? throw new InvalidOperationException($"region {Name} is down");

    /// <summary>Ingest turns run.</summary>
    public long Turns { get; private set; }

    /// <summary>Process CPU time spent in this region's turns and gossip (what one region process would spend).</summary>
    public TimeSpan CpuTime { get; private set; }

    public void Arrive(BrokerMessage message)
    {
        if (core is not null)
        {
            inbox.Add(message);
        }
    }

    /// <summary>One host turn: ingest everything that arrived, flush (fsync), then send acks and NAKs and settle.</summary>
    public void Turn()
    {
        if (core is null || inbox.Count == 0)
        {
            return;
        }

        Turns++;
        TimeSpan cpuAtStart = ProcessCpu.Now();
        var batch = inbox.ToList();
        inbox.Clear();
        var naks = new List<Nak>();
        foreach (BrokerMessage m in batch)
        {
            if (m.Kind == BrokerMessageKind.RegionDelta)
            {
                IngestResult joined = core.IngestRegionDelta(m.Wire, m.Subject);
                fleet.Checker.OnRegionDelta(this, m, joined);
                continue;
            }

            ulong before = MergedIndex(m.Subject, m.Epoch);
            IngestResult r = core.IngestDelta(m.Wire, m.Subject);
            ulong after = MergedIndex(m.Subject, m.Epoch);
            if (r.Nak is { } nak)
            {
                naks.Add(nak);
            }

            if (r.Status == IngestStatus.Duplicate && (fleet.Sabotage & FleetSabotage.RegionMergesDuplicates) != 0 && m.Entries is { Count: > 0 } entries)
            {
                // Sabotage: the region applies a redelivered delta again.
                SiteLogApplier.ApplyEntries(core.State, m.Subject, m.Epoch, entries, DesiredChangeLedger.Empty);
                fleet.Checker.OnSabotagedRemerge(this, m);
            }

            fleet.Checker.OnIngest(this, m, r, before, after);
        }

        foreach (SignedAck ack in core.Flush())
        {
            FleetSite site = fleet.SiteByName(ack.Site);
            byte[] wire = ack.Wire;
            fleet.Broker.SendToSite(site, leader => leader.HandleAck(wire));
        }

        foreach (Nak nak in naks)
        {
            FleetSite site = fleet.SiteByName(nak.Site);
            fleet.Broker.SendToSite(site, leader => leader.HandleNak(nak.Epoch, nak.FirstMissingIndex));
        }

        foreach (BrokerMessage m in batch)
        {
            fleet.Broker.Settle(m);
        }

        CpuTime += ProcessCpu.Now() - cpuAtStart;
    }

    /// <summary>Publishes this region's merged state to every other region.</summary>
    public void Gossip()
    {
        if (core is null)
        {
            return;
        }

        TimeSpan cpuAtStart = ProcessCpu.Now();
        byte[] wire = core.ExportRegionDelta();
        foreach (string peer in peers.Keys)
        {
            fleet.Broker.SendRegionDelta(new BrokerMessage { Id = fleet.NextMessageId(), Kind = BrokerMessageKind.RegionDelta, Subject = Name, To = peer, Wire = wire });
        }

        CpuTime += ProcessCpu.Now() - cpuAtStart;
    }

    /// <summary>The region process restarts: what was in memory is gone; it reopens from its disk after <paramref name="downtime"/>.</summary>
    public void Restart(TimeSpan downtime)
    {
        if (core is null)
        {
            return;
        }

        byte[] hashBefore = core.ComputeStateHash();
        core.Dispose();
        core = null;
        inbox.Clear();
        disk.Crash();
        fleet.Queue.Schedule(downtime, () =>
        {
            core = Open();
            if (!core.ComputeStateHash().AsSpan().SequenceEqual(hashBefore))
            {
                fleet.Violation($"region {Name} reopened with another state hash than it had acknowledged before its restart");
            }

            fleet.Broker.RedeliverTo(Name);
        });
    }

    public ulong MergedIndex(string site, ulong epoch) =>
        core is not null && core.State.TryGetProgress(site, epoch, out SiteProgress p) ? p.MergedIndex : 0;

    public void Dispose() => core?.Dispose();

    private RegionCore Open() => RegionCore.Open(Name, certificate, Registry, disk, Clock, new RegionOptions(), peers);
}
