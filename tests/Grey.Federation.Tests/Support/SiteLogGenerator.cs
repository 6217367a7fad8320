using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Merge;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Federation.State;

namespace Grey.Federation.Tests.Support;

/// <summary>
/// Builds random site logs from a seeded <see cref="Random"/>: site and shared keys, counters, sets with
/// observed removes, desired-state applications (valid ones issued in the ledger, and forged ones that must
/// be skipped), internal-entry gaps in the indexes, and stamps close enough across sites to collide.
/// </summary>
internal static class SiteLogGenerator
{
    public static (List<SiteLog> Logs, DesiredChangeLedger Ledger) Generate(Random rng, int sites, int maxEntries)
    {
        var ledger = new DesiredChangeLedger();
        var logs = new List<SiteLog>();
        ulong sequence = 0;
        for (int s = 0; s < sites; s++)
        {
            string site = "site-" + s;
            int epochs = rng.Next(1, 3);
            for (int ep = 0; ep < epochs; ep++)
            {
                ulong epoch = (ulong)rng.NextInt64();
                logs.Add(GenerateLog(rng, site, epoch, rng.Next(1, maxEntries + 1), ledger, ref sequence));
            }
        }

        return (logs, ledger);
    }

    private static SiteLog GenerateLog(Random rng, string site, ulong epoch, int entries, DesiredChangeLedger ledger, ref ulong sequence)
    {
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
            int n = rng.Next(1, 5);
            var ops = new List<Operation>();
            for (int k = 0; k < n; k++)
            {
                ops.Add(RandomOp(rng, site, stamp, state, ledger, ref sequence));
            }

            var entry = new DataEntry(index, stamp, ops);
            SiteLogApplier.ApplyEntries(state, site, epoch, [entry], ledger);
            list.Add(entry);
        }

        return new SiteLog(site, epoch, list, index + (ulong)rng.Next(0, 3));
    }

    private static Operation RandomOp(Random rng, string site, HlcTimestamp stamp, RegionState state, DesiredChangeLedger ledger, ref ulong sequence)
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
                IReadOnlyList<SetTag> tags = state.GetLiveTags(Grey.Federation.Identifiers.KeyNames.ScopeOf(site, key), key, element);
                return tags.Count > 0
                    ? Operation.SetRemove(key, element, tags, stamp, node)
                    : Operation.SetAdd(key, element, stamp, node);
            }

            case 8:
            case 9:
            {
                sequence++;
                var change = new DesiredChange("r" + rng.Next(2), site, sequence, "desired/d" + rng.Next(2),
                    rng.Next(4) == 0 ? null : value, new HlcTimestamp(stamp.WallMs, 0));
                ledger.Add(change);
                return change.ToOperation(stamp, node);
            }

            case 10:
                // A forged desired write: no reference at all, or a reference the ledger never issued.
                return rng.Next(2) == 0
                    ? Operation.Put("desired/d0", value, stamp, node)
                    : Operation.Put("desired/d1", value, stamp, node, new DesiredRef("r0", 1_000_000 + (ulong)rng.Next(100), new byte[32]));
            default: return Operation.Put("k" + rng.Next(4), value, stamp, node);
        }
    }
}
