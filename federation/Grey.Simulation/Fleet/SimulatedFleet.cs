using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Chain;
using Grey.Federation.Deltas;
using Grey.Federation.Merge;
using Grey.Federation.Signing;
using Grey.Federation.State;
using Grey.Simulation.Core;

namespace Grey.Simulation.Fleet;

/// <summary>
/// One deterministic fleet run: sites (Raft groups of <see cref="FleetNode"/>), regions (<see cref="FleetRegion"/>),
/// the <see cref="SimulatedBroker"/>, the chaos schedule and the <see cref="FleetChecker"/>, all on one virtual clock
/// and one seeded random source, so a seed replays exactly (the trace hash and the report are equal run to run).
/// Writes for <see cref="FleetOptions.Duration"/>, then drains until every committed entry is merged and every region
/// holds the same state (bounded by <see cref="FleetTiming.MaxDrain"/>), then verifies.
/// </summary>
internal sealed class SimulatedFleet : IDisposable
{
    private readonly Dictionary<string, FleetSite> sitesByName = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> chaosEvents = new(StringComparer.Ordinal);
    private readonly List<string> violations = [];
    private readonly List<string> notes = [];
    private long nextMessageId;
    private TimeSpan lastDisruptionEnd;
    private TimeSpan? quietAt;

    public SimulatedFleet(FleetOptions options, FleetSabotage sabotage = FleetSabotage.None)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        if (options.Broker != FleetBroker.Sim)
        {
            throw new ArgumentException($"the simulated fleet runs only with broker sim, not {options.Broker}", nameof(options));
        }

        Options = options;
        Sabotage = sabotage;
        Seed = options.Seed;
        Queue = new EventQueue(new VirtualClock());
        Rng = SeedDerivation.CreateRandom(options.Seed, "fleet");
        string[] regionNames = [.. Enumerable.Range(0, options.Regions).Select(i => "r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        Identities = new FleetIdentities(regionNames);
        Checker = new FleetChecker(this);
        Broker = new SimulatedBroker(this);
        foreach (string r in regionNames)
        {
            var peers = regionNames.Where(p => p != r).ToDictionary(p => p, p => X509CertificateLoader.LoadCertificate(Identities.RegionCertificates[p].RawData), StringComparer.Ordinal);
            Regions[r] = new FleetRegion(this, r, Identities.RegionCertificates[r], peers);
        }

        for (int i = 0; i < options.Sites; i++)
        {
            var site = new FleetSite(this, i, regionNames[i % regionNames.Length], (ulong)Rng.NextInt64(1, long.MaxValue), options.NodesPerSite);
            Sites.Add(site);
            sitesByName.Add(site.Name, site);
            foreach (FleetNode n in site.Nodes)
            {
                Identities.Admit(Regions[site.HomeRegion].Registry, n.Name, site.Name, n.Certificate, Regions[site.HomeRegion].Clock);
            }
        }
    }

    public FleetOptions Options { get; }

    public FleetSabotage Sabotage { get; }

    public ulong Seed { get; }

    public EventQueue Queue { get; }

    public Random Rng { get; }

    public SimulationTrace Trace { get; } = new();

    public FleetIdentities Identities { get; }

    public FleetChecker Checker { get; }

    public SimulatedBroker Broker { get; }

    public OutboxCounters Outbox { get; } = new();

    public SortedDictionary<string, FleetRegion> Regions { get; } = new(StringComparer.Ordinal);

    public List<FleetSite> Sites { get; } = [];

    public TimeSpan Now => Queue.Clock.Now;

    /// <summary>True until <see cref="FleetOptions.Duration"/>: clients write and chaos strikes.</summary>
    public bool WritesRunning => Now < Options.Duration;

    /// <summary>Diagnostics that are not violations (refused acks and the like), for the progress output.</summary>
    public IReadOnlyList<string> Notes => notes;

    public long NextMessageId() => ++nextMessageId;

    public FleetSite SiteByName(string name) => sitesByName[name];

    public void Violation(string text)
    {
        Trace.Record(Now, "violation", 0, 0, note: text);
        if (violations.Count < FleetReport.MaxViolations)
        {
            violations.Add($"t={Now.TotalSeconds:0.000}s {text}");
        }
    }

    public void Report(string note)
    {
        if (notes.Count < 20)
        {
            notes.Add($"t={Now.TotalSeconds:0.000}s {note}");
        }
    }

    public void CountChaos(ChaosClass c)
    {
        string name = ChaosClasses.NameOf(c);
        chaosEvents[name] = chaosEvents.GetValueOrDefault(name) + 1;
        Trace.Record(Now, "chaos", 0, 0, note: name);
    }

    /// <summary>Runs the fleet to the end and returns the report.</summary>
    public FleetRunResult Run(TextWriter? progress = null, CancellationToken token = default)
    {
        var wall = Stopwatch.StartNew();
        foreach (FleetSite site in Sites)
        {
            site.Start();
            ScheduleSiteTick(site);
            ScheduleWrite(site);
        }

        foreach (FleetRegion region in Regions.Values)
        {
            ScheduleTurn(region);
            if (Regions.Count > 1)
            {
                ScheduleGossip(region);
            }
        }

        FleetChaos.Schedule(this);
        TimeSpan deadline = Options.Duration + FleetTiming.MaxDrain;
        Queue.Schedule(Options.Duration, () => ScheduleDrainCheck());
        TimeSpan nextProgress = TimeSpan.FromSeconds(10);
        while (quietAt is null && Now <= deadline && Queue.RunNext(deadline))
        {
            if (Now >= nextProgress)
            {
                token.ThrowIfCancellationRequested();
                progress?.WriteLine($"  t={Now.TotalSeconds:0}s committed={Sites.Sum(s => (long)s.Committed.Count)} shipped={Outbox.DeltasShipped} events={Queue.EventsRun}");
                nextProgress += TimeSpan.FromSeconds(10);
            }
        }

        return new FleetRunResult(BuildReport(), Trace.Hash, Queue.EventsRun, wall.Elapsed, Now, Outbox, [.. notes], MergeLag.Of(Checker.MergeLagsMs), Regions.ToDictionary(r => r.Key, r => r.Value.CpuTime, StringComparer.Ordinal));
    }

    public void Dispose()
    {
        foreach (FleetRegion r in Regions.Values)
        {
            r.Dispose();
        }

        Identities.Dispose();
    }

    /// <summary>Marks that a disruption (outage, restart) lasts until <paramref name="end"/>, for drain_s.</summary>
    public void DisruptedUntil(TimeSpan end)
    {
        if (end > lastDisruptionEnd)
        {
            lastDisruptionEnd = end;
        }
    }

    /// <summary>A forged delta for <paramref name="site"/>: plausible content, signed by a key no region enrolled.</summary>
    public BrokerMessage Forge(FleetSite site)
    {
        ulong next = site.Committed.Count > 0 ? site.Committed[^1].Entry.Index + 1 : 1;
        byte[] chain = site.ChainAt(next) ?? ChainHash.Genesis(site.Name, site.Epoch);
        var stamp = new Grey.Federation.Clock.HlcTimestamp(1_000, 0);
        var entry = new DataEntry(next, stamp, [Grey.Federation.Operations.Operation.Put("line/forged", [0xBA, 0xD0], stamp, "forger")]);
        var delta = SiteDelta.Create(site.HomeRegion, site.Name, site.Epoch, next, next, chain, [entry]);
        byte[] wire = new MessageSigner(Identities.ForgeCertificate).SignEnvelope(delta.Encode());
        return new BrokerMessage { Id = NextMessageId(), Kind = BrokerMessageKind.Forged, Subject = site.Name, To = site.HomeRegion, Wire = wire, Epoch = site.Epoch, FirstIndex = next, LastIndex = next };
    }

    /// <summary>A copy of <paramref name="original"/> with one byte of its signed content changed.</summary>
    public BrokerMessage Tamper(BrokerMessage original)
    {
        byte[] wire = (byte[])original.Wire.Clone();
        int at = original.Content is { Length: > 0 } content ? wire.AsSpan().IndexOf(content) : -1;
        int offset = at >= 0 ? at + Rng.Next(original.Content!.Length) : Rng.Next(wire.Length);
        wire[offset] ^= (byte)Rng.Next(1, 256);
        return new BrokerMessage
        {
            Id = NextMessageId(), Kind = BrokerMessageKind.Tampered, Subject = original.Subject, To = original.To, Wire = wire,
            Epoch = original.Epoch, FirstIndex = original.FirstIndex, LastIndex = original.LastIndex,
        };
    }

    private void ScheduleSiteTick(FleetSite site)
    {
        // Sites start out of phase, so that their ticks do not all fall on the same instant.
        Queue.Schedule(TimeSpan.FromMilliseconds(Rng.Next(1, (int)FleetTiming.SiteTick.TotalMilliseconds)), Tick);

        void Tick()
        {
            foreach (FleetNode n in site.Nodes)
            {
                n.Tick();
            }

            site.Leader?.Pump();
            Queue.Schedule(FleetTiming.SiteTick, Tick);
        }
    }

    private void ScheduleWrite(FleetSite site)
    {
        long interval = FleetTiming.WriteInterval.Ticks;
        Queue.Schedule(TimeSpan.FromTicks(interval / 2 + Rng.NextInt64(interval)), Write);

        void Write()
        {
            if (!WritesRunning)
            {
                return;
            }

            site.Leader?.ProposeWrite(Rng);
            Queue.Schedule(TimeSpan.FromTicks(interval / 2 + Rng.NextInt64(interval)), Write);
        }
    }

    private void ScheduleTurn(FleetRegion region)
    {
        Queue.Schedule(FleetTiming.RegionTurn, Turn);

        void Turn()
        {
            region.Turn();
            Queue.Schedule(FleetTiming.RegionTurn, Turn);
        }
    }

    private void ScheduleGossip(FleetRegion region)
    {
        Queue.Schedule(FleetTiming.GossipInterval, Gossip);

        void Gossip()
        {
            region.Gossip();
            Queue.Schedule(FleetTiming.GossipInterval, Gossip);
        }
    }

    private void ScheduleDrainCheck()
    {
        if (IsQuiet())
        {
            quietAt = Now;
            return;
        }

        Queue.Schedule(FleetTiming.DrainCheck, ScheduleDrainCheck);
    }

    /// <summary>Every committed entry merged at its home region (by chain hash) and every region on the same state.</summary>
    private bool IsQuiet()
    {
        if (Regions.Values.Any(r => !r.Up) || !Broker.Up)
        {
            return false;
        }

        foreach (FleetSite site in Sites)
        {
            if (site.Committed.Count == 0)
            {
                continue;
            }

            FleetRegion home = Regions[site.HomeRegion];
            if (!home.Core.State.TryGetProgress(site.Name, site.Epoch, out SiteProgress p) || !p.ChainHash.SequenceEqual(site.Committed[^1].Chain))
            {
                return false;
            }
        }

        byte[]? first = null;
        foreach (FleetRegion r in Regions.Values)
        {
            byte[] h = r.Core.ComputeStateHash();
            if (first is null)
            {
                first = h;
            }
            else if (!first.AsSpan().SequenceEqual(h))
            {
                return false;
            }
        }

        return true;
    }

    private FleetReport BuildReport()
    {
        (long committed, long merged, long lost, long duplicated) = Checker.Tally();
        bool converged = false;
        if (Regions.Values.All(r => r.Up))
        {
            // Each site's committed log applied directly (the site's own state, by the federation's applier) must give
            // the state hash every region holds.
            var expected = new RegionState();
            foreach (FleetSite site in Sites.Where(s => s.Committed.Count > 0))
            {
                ulong merged0 = Regions[site.HomeRegion].MergedIndex(site.Name, site.Epoch);
                SiteLogApplier.ApplyLog(expected, site.Name, site.Epoch, [.. site.Committed.Select(c => c.Entry)], Math.Max(merged0, site.Committed[^1].Entry.Index), DesiredChangeLedger.Empty);
            }

            byte[] want = expected.ComputeHash();
            converged = Regions.Values.All(r => r.Core.ComputeStateHash().AsSpan().SequenceEqual(want));
        }

        TimeSpan drainFrom = lastDisruptionEnd > Options.Duration ? lastDisruptionEnd : Options.Duration;
        double drain = quietAt is { } q ? Math.Max(0, (q - drainFrom).TotalSeconds) : (Now - drainFrom).TotalSeconds;
        return new FleetReport
        {
            Seed = Seed,
            Broker = FleetBroker.Sim,
            Sites = Options.Sites,
            Regions = Options.Regions,
            Committed = committed,
            Merged = merged,
            Folded = Checker.Folded,
            Lost = lost,
            Duplicated = duplicated,
            Rejected = new SortedDictionary<string, long>((IDictionary<string, long>)Checker.Rejected, StringComparer.Ordinal),
            TamperedSent = Checker.TamperedSent,
            ForgedSent = Checker.ForgedSent,
            TamperedRejected = Checker.TamperedRejected,
            ForgedRejected = Checker.ForgedRejected,
            Converged = converged && quietAt is not null,
            DrainSeconds = drain,
            ChaosEvents = new SortedDictionary<string, long>(chaosEvents, StringComparer.Ordinal),
            Violations = [.. violations],
        };
    }
}
