using Grey.Federation.Chain;
using Grey.Raft;

namespace Grey.Simulation.Fleet;

/// <summary>
/// One simulated edge site: its nodes (one Raft group), its home region, its uplink state, and the peer network
/// between its nodes (delays, drops). Committed entries are reported to the checker once, by whichever node applies
/// them first; every later apply must reach the same chain hash (state-machine safety across the group).
/// </summary>
internal sealed class FleetSite
{
    private readonly SimulatedFleet fleet;
    private int outages;

    public FleetSite(SimulatedFleet fleet, int index, string homeRegion, ulong epoch, int nodes)
    {
        this.fleet = fleet;
        Index = index;
        Name = "site-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        HomeRegion = homeRegion;
        Epoch = epoch;
        Nodes = [.. Enumerable.Range(1, nodes).Select(i => new FleetNode(fleet, this, (ulong)i))];
    }

    public int Index { get; }

    public string Name { get; }

    public string HomeRegion { get; }

    /// <summary>The epoch the site's first leader proposes (drawn from the seed when the fleet is built).</summary>
    public ulong Epoch { get; }

    public IReadOnlyList<FleetNode> Nodes { get; }

    /// <summary>False while an uplink outage cuts the site off the broker.</summary>
    public bool LinkUp => outages == 0;

    /// <summary>The last delta any node of the site published (tamper copies it).</summary>
    public BrokerMessage? LastPublished { get; set; }

    /// <summary>The committed data entries, in index order, with the chain hash after each and the time first applied.</summary>
    public List<(DataEntry Entry, byte[] Chain, TimeSpan At)> Committed { get; } = [];

    public FleetNode? Leader => Nodes.FirstOrDefault(n => n.IsLeader);

    public ulong TraceId(ulong node) => ((ulong)Index << 4) | node;

    public void Start()
    {
        ulong[] voters = [.. Nodes.Select(n => n.Id)];
        foreach (FleetNode n in Nodes)
        {
            n.Bootstrap(voters);
        }
    }

    public void OutageStart() => outages++;

    public void OutageEnd()
    {
        outages--;
        if (LinkUp)
        {
            Leader?.OnLinkUp();
        }
    }

    /// <summary>When the entry at <paramref name="index"/> was first applied (for the linger).</summary>
    public TimeSpan ChainedAt(ulong index)
    {
        int i = Find(index);
        return i >= 0 ? Committed[i].At : fleet.Now;
    }

    /// <summary>The chain hash after the last data entry at or below <paramref name="index"/> (null before the first).</summary>
    public byte[]? ChainAt(ulong index)
    {
        int lo = 0, hi = Committed.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (Committed[mid].Entry.Index <= index)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found >= 0 ? Committed[found].Chain : null;
    }

    /// <summary>Positions in <see cref="Committed"/> of the data entries with index in (<paramref name="after"/>, <paramref name="through"/>].</summary>
    public (int From, int To) Range(ulong after, ulong through)
    {
        int from = Committed.Count, to = -1;
        int lo = 0, hi = Committed.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (Committed[mid].Entry.Index > after)
            {
                from = mid;
                hi = mid - 1;
            }
            else
            {
                lo = mid + 1;
            }
        }

        for (int i = from; i < Committed.Count && Committed[i].Entry.Index <= through; i++)
        {
            to = i;
        }

        return (from, to);
    }

    public void OnChained(FleetNode node, DataEntry entry, byte[] chain)
    {
        int i = Find(entry.Index);
        if (i >= 0)
        {
            if (!Committed[i].Chain.AsSpan().SequenceEqual(chain))
            {
                fleet.Violation($"state-machine safety: {node.Name} reached another chain hash at {entry.Index} than the first node to apply it");
            }

            return;
        }

        if (Committed.Count > 0 && entry.Index <= Committed[^1].Entry.Index)
        {
            fleet.Violation($"state-machine safety: {node.Name} chained {entry.Index} after {Committed[^1].Entry.Index} without having applied it before");
            return;
        }

        if (Committed.Count > 0 && entry.Stamp <= Committed[^1].Entry.Stamp)
        {
            fleet.Violation($"HLC: {Name} entry {entry.Index} stamped {entry.Stamp} not above the previous {Committed[^1].Entry.Stamp}");
        }

        Committed.Add((entry, chain, fleet.Now));
        fleet.Trace.Record(fleet.Now, "commit", TraceId(node.Id), 0, (long)entry.Index);
    }

    public void SendPeer(Message m)
    {
        if (fleet.Rng.Next(1000) < FleetTiming.PeerDropPerMille)
        {
            return;
        }

        FleetNode? to = Nodes.FirstOrDefault(n => n.Id == m.To);
        if (to is null)
        {
            return;
        }

        fleet.Queue.Schedule(TimeSpan.FromMilliseconds(fleet.Rng.Next(FleetTiming.PeerDelayMinMs, FleetTiming.PeerDelayMaxMs + 1)), () => to.Receive(m));
    }

    private int Find(ulong index)
    {
        int lo = 0, hi = Committed.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            ulong at = Committed[mid].Entry.Index;
            if (at == index)
            {
                return mid;
            }

            if (at < index)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }
}
