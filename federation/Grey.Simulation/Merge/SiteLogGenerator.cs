using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Identifiers;
using Grey.Federation.Merge;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Federation.State;

namespace Grey.Simulation.Merge;

/// <summary>
/// Generates the committed logs of simulated sites from a seeded random source: site-owned and shared
/// registers (puts and deletes), counters, sets with observed removes, desired-state changes issued by
/// regions and applied by the site, forged desired writes (which every region must skip alike), gaps in the
/// indexes where internal entries were, and HLC stamps close enough across sites to tie.
/// </summary>
internal static class SiteLogGenerator
{
    public static (List<SimulatedSiteLog> Logs, DesiredChangeLedger Ledger) Generate(Random rng, int sites, int regions, int maxEntries)
    {
        var ledger = new DesiredChangeLedger();
        var logs = new List<SimulatedSiteLog>();
        ulong sequence = 0;
        for (int s = 0; s < sites; s++)
        {
            string site = "site-" + s;
            string home = "r" + (s % regions);
            int epochs = rng.Next(4) == 0 ? 2 : 1;
            for (int ep = 0; ep < epochs; ep++)
            {
                logs.Add(GenerateLog(rng, site, (ulong)rng.NextInt64(), home, regions, rng.Next(1, maxEntries + 1), ledger, ref sequence));
            }
        }

        return (logs, ledger);
    }

    private static SimulatedSiteLog GenerateLog(Random rng, string site, ulong epoch, string home, int regions, int entries, DesiredChangeLedger ledger, ref ulong sequence)
    {
        // The site's own state, kept as its state machine would, so removes name the tags it observed.
        var state = new RegionState();
        var list = new List<DataEntry>();
        ulong index = 0;
        long wall = 1_000 + rng.Next(0, 20);
        int logical = 0;
        for (int i = 0; i < entries; i++)
        {
            index += 1 + (rng.Next(5) == 0 ? (ulong)rng.Next(1, 4) : 0);
            if (rng.Next(3) == 0)
            {
                wall += rng.Next(1, 5);
                logical = 0;
            }
            else
            {
                logical++;
            }

            var stamp = new HlcTimestamp(wall, logical);
            var ops = new List<Operation>();
            int n = rng.Next(1, 5);
            for (int k = 0; k < n; k++)
            {
                ops.Add(RandomOperation(rng, site, regions, stamp, state, ledger, ref sequence));
            }

            var entry = new DataEntry(index, stamp, ops);
            SiteLogApplier.ApplyEntries(state, site, epoch, [entry], ledger);
            list.Add(entry);
        }

        return new SimulatedSiteLog(site, epoch, list, index + (ulong)rng.Next(0, 3), home);
    }

    private static Operation RandomOperation(Random rng, string site, int regions, HlcTimestamp stamp, RegionState state, DesiredChangeLedger ledger, ref ulong sequence)
    {
        string node = "n" + rng.Next(3);
        byte[] value = [(byte)rng.Next(256), (byte)rng.Next(256)];
        switch (rng.Next(12))
        {
            case 0: return Operation.Put("k" + rng.Next(4), value, stamp, node);
            case 1: return Operation.Delete("k" + rng.Next(4), stamp, node);
            case 2: return Operation.Put("shared/s" + rng.Next(3), value, stamp, node);
            case 3: return Operation.Delete("shared/s" + rng.Next(3), stamp, node);
            case 4: return Operation.CounterAdd(rng.Next(2) == 0 ? "c0" : "shared/c1", rng.Next(1, 6) * (rng.Next(2) == 0 ? 1 : -1), stamp, node);
            case 5:
            case 6: return Operation.SetAdd(rng.Next(2) == 0 ? "set0" : "shared/set1", "e" + rng.Next(4), stamp, node);
            case 7:
            {
                string key = rng.Next(2) == 0 ? "set0" : "shared/set1";
                string element = "e" + rng.Next(4);
                IReadOnlyList<SetTag> tags = state.GetLiveTags(KeyNames.ScopeOf(site, key), key, element);
                return tags.Count > 0 ? Operation.SetRemove(key, element, tags, stamp, node) : Operation.SetAdd(key, element, stamp, node);
            }

            case 8:
            case 9:
            {
                sequence++;
                var change = new DesiredChange("r" + rng.Next(regions), site, sequence, "desired/d" + rng.Next(2),
                    rng.Next(4) == 0 ? null : value, new HlcTimestamp(stamp.WallMs, 0));
                ledger.Add(change);
                return change.ToOperation(stamp, node);
            }

            case 10:
                // A forged desired write: without a reference, or with one no region issued.
                return rng.Next(2) == 0
                    ? Operation.Put("desired/d0", value, stamp, node)
                    : Operation.Put("desired/d1", value, stamp, node, new DesiredRef("r0", 1_000_000 + (ulong)rng.Next(100), new byte[32]));
            default: return Operation.Put("k" + rng.Next(4), value, stamp, node);
        }
    }

    /// <summary>The reference result: every log applied directly, in log order, to one fresh state.</summary>
    public static RegionState ApplyDirectly(IEnumerable<SimulatedSiteLog> logs, IDesiredChangeLedger ledger)
    {
        var state = new RegionState();
        foreach (SimulatedSiteLog log in logs)
        {
            SiteLogApplier.ApplyLog(state, log.Site, log.Epoch, log.Entries, log.LastIndex, ledger);
        }

        return state;
    }

    /// <summary>The chain hash the site reaches at the end of its log (for reports).</summary>
    public static byte[] FinalChain(SimulatedSiteLog log) => ChainHash.Fold(ChainHash.Genesis(log.Site, log.Epoch), log.Entries);
}
