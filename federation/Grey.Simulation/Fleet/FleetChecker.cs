using Grey.Federation.State;
using Grey.Region.Ingest;

namespace Grey.Simulation.Fleet;

/// <summary>
/// Checks G3 and G5 as the run goes, after every ingest and every region-delta join: a region merges only forward
/// and contiguously (its merged index rises; each committed entry is counted merged once), what it merged carries
/// the site's own chain hash at that index, it never accepts a tampered or forged delta, and a region that learned a
/// site's state by gossip is never ahead of the site's home region nor on another chain. At the end it tallies lost,
/// duplicated and folded entries from the same counts.
/// </summary>
internal sealed class FleetChecker(SimulatedFleet fleet)
{
    private readonly Dictionary<string, List<int>> mergedCounts = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> rejected = new(StringComparer.Ordinal);
    private readonly HashSet<long> tamperedDelivered = [];
    private readonly HashSet<long> tamperedAccepted = [];
    private readonly HashSet<long> forgedDelivered = [];
    private readonly HashSet<long> forgedAccepted = [];

    public long Folded { get; private set; }

    /// <summary>Commit-to-merged lag of every entry at its first merge at home, in milliseconds of virtual time (capped list).</summary>
    public List<double> MergeLagsMs { get; } = [];

    /// <summary>The most lags kept (the rest are only counted in the tallies), so a big fleet cannot grow it without end.</summary>
    public const int MaxLagSamples = 2_000_000;

    public IReadOnlyDictionary<string, long> Rejected => rejected;

    public long TamperedSent => tamperedDelivered.Count;

    public long TamperedRejected => tamperedDelivered.Count - tamperedAccepted.Count;

    public long ForgedSent => forgedDelivered.Count;

    public long ForgedRejected => forgedDelivered.Count - forgedAccepted.Count;

    public void OnIngest(FleetRegion region, BrokerMessage m, IngestResult r, ulong before, ulong after)
    {
        if (m.IsAttack)
        {
            (m.Kind == BrokerMessageKind.Tampered ? tamperedDelivered : forgedDelivered).Add(m.Id);
            if (r.Status != IngestStatus.Rejected)
            {
                (m.Kind == BrokerMessageKind.Tampered ? tamperedAccepted : forgedAccepted).Add(m.Id);
                fleet.Violation($"G4: region {region.Name} took a {m.Kind.ToString().ToLowerInvariant()} delta of {m.Subject} as {r.Status} ({r.Detail})");
            }
        }

        fleet.Trace.Record(fleet.Now, "ingest", (ulong)m.Id, (ulong)r.Status, (long)before, (long)after, r.Reason?.ToCode());
        if (r.Status == IngestStatus.Rejected)
        {
            string code = r.Reason?.ToCode() ?? "unknown";
            rejected[code] = rejected.GetValueOrDefault(code) + 1;
            return;
        }

        if (r.Status != IngestStatus.Merged)
        {
            return;
        }

        FleetSite site = fleet.SiteByName(m.Subject);
        if (region.Name != site.HomeRegion)
        {
            fleet.Violation($"region {region.Name} merged a delta of {site.Name}, whose home is {site.HomeRegion}");
        }

        if (after <= before)
        {
            fleet.Violation($"G3: region {region.Name} reported {m.Kind} {m.FirstIndex}-{m.LastIndex} of {site.Name} merged but its merged index went {before} -> {after}");
            return;
        }

        // Entries merged onto a chain the site never committed are not merged: they count as lost unless merged again.
        if (CheckChain(region, site, m.Epoch))
        {
            RecordMerged(region, site, before, after, m.Kind == BrokerMessageKind.Checkpoint ? Math.Min(after, m.LastIndex) : 0);
        }
    }

    /// <summary>The sabotaged region applied a redelivered delta again: its entries count as merged once more.</summary>
    public void OnSabotagedRemerge(FleetRegion region, BrokerMessage m)
    {
        FleetSite site = fleet.SiteByName(m.Subject);
        foreach (var e in m.Entries!)
        {
            RecordMerged(region, site, e.Index - 1, e.Index, 0);
        }
    }

    public void OnRegionDelta(FleetRegion region, BrokerMessage m, IngestResult r)
    {
        if (r.Status == IngestStatus.Rejected)
        {
            string code = r.Reason?.ToCode() ?? "unknown";
            rejected[code] = rejected.GetValueOrDefault(code) + 1;
            fleet.Violation($"region {region.Name} rejected the region delta of {m.Subject}: {r.Detail}");
            return;
        }

        if (r.Status != IngestStatus.Merged)
        {
            return;
        }

        // G5 as it goes: gossip never puts a region ahead of a site's home region, nor on another chain.
        foreach (SiteProgress p in region.Core.State.Progress)
        {
            FleetSite site = fleet.SiteByName(p.Site);
            FleetRegion home = fleet.Regions[site.HomeRegion];
            if (home.Up && p.MergedIndex > home.MergedIndex(p.Site, p.Epoch))
            {
                fleet.Violation($"G5: region {region.Name} holds {p.Site} at {p.MergedIndex}, beyond its home {home.Name} at {home.MergedIndex(p.Site, p.Epoch)}");
            }

            byte[]? chain = site.ChainAt(p.MergedIndex);
            if (chain is null || !p.ChainHash.SequenceEqual(chain))
            {
                fleet.Violation($"G5: region {region.Name} holds {p.Site} at {p.MergedIndex} with a chain hash the site never had there");
            }
        }
    }

    /// <summary>Committed entries merged exactly once, lost (never) and duplicated (beyond once), over every site.</summary>
    public (long Committed, long Merged, long Lost, long Duplicated) Tally()
    {
        long committed = 0, merged = 0, lost = 0, duplicated = 0;
        foreach (FleetSite site in fleet.Sites)
        {
            List<int> counts = Counts(site);
            committed += site.Committed.Count;
            for (int i = 0; i < site.Committed.Count; i++)
            {
                int c = i < counts.Count ? counts[i] : 0;
                merged += c > 0 ? 1 : 0;
                lost += c == 0 ? 1 : 0;
                duplicated += Math.Max(0, c - 1);
            }
        }

        return (committed, merged, lost, duplicated);
    }

    private void RecordMerged(FleetRegion region, FleetSite site, ulong before, ulong after, ulong foldThrough)
    {
        List<int> counts = Counts(site);
        (int from, int to) = site.Range(before, after);
        for (int i = from; i <= to; i++)
        {
            while (counts.Count <= i)
            {
                counts.Add(0);
            }

            counts[i]++;
            if (counts[i] == 1 && MergeLagsMs.Count < MaxLagSamples)
            {
                MergeLagsMs.Add((fleet.Now - site.Committed[i].At).TotalMilliseconds);
            }

            if (counts[i] == 2)
            {
                fleet.Violation($"G3: region {region.Name} merged entry {site.Committed[i].Entry.Index} of {site.Name} twice");
            }

            if (site.Committed[i].Entry.Index <= foldThrough)
            {
                Folded++;
            }
        }
    }

    private bool CheckChain(FleetRegion region, FleetSite site, ulong epoch)
    {
        if (!region.Core.State.TryGetProgress(site.Name, epoch, out SiteProgress p))
        {
            return false;
        }

        byte[]? chain = site.ChainAt(p.MergedIndex);
        if (chain is null || !p.ChainHash.SequenceEqual(chain))
        {
            fleet.Violation($"G3: region {region.Name} merged {site.Name} up to {p.MergedIndex} on a chain the site never committed");
            return false;
        }

        return true;
    }

    private List<int> Counts(FleetSite site)
    {
        if (!mergedCounts.TryGetValue(site.Name, out List<int>? counts))
        {
            counts = [];
            mergedCounts.Add(site.Name, counts);
        }

        return counts;
    }
}
