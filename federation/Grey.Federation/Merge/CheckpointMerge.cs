using Grey.Federation.Identifiers;
using Grey.Federation.Operations;
using Grey.Federation.State;

namespace Grey.Federation.Merge;

/// <summary>
/// Joins a checkpoint's state into a region state item by item, skipping and counting every item the site
/// could not have written: another site's register or add tag, another site's or epoch's counter slot, a
/// key outside the site's scope, a <c>desired/...</c> register without a confirmed change, a counter or set
/// under <c>desired/</c>.
/// </summary>
internal static class CheckpointMerge
{
    public static ApplyCounts Join(RegionState into, string site, ulong epoch, RegionState checkpoint, IDesiredChangeLedger ledger)
    {
        int applied = 0, violations = 0, conflicts = 0;
        foreach (var (sk, reg) in checkpoint.Registers)
        {
            if (OwnershipRules.RegisterViolation(site, sk, reg, ledger) is not null)
            {
                violations++;
                continue;
            }

            if (into.WriteRegister(sk, reg))
            {
                conflicts++;
            }

            applied++;
        }

        foreach (var (sk, slots) in checkpoint.Counters)
        {
            bool keyOk = OwnershipRules.ScopeViolation(site, sk) is null && !KeyNames.IsDesired(sk.Key);
            foreach (var (slot, totals) in slots)
            {
                if (!keyOk || slot.Site != site || slot.Epoch != epoch)
                {
                    violations++;
                    continue;
                }

                into.AddCounterTotals(sk, slot, totals);
                applied++;
            }
        }

        foreach (var (sk, elements) in checkpoint.Sets)
        {
            bool keyOk = OwnershipRules.ScopeViolation(site, sk) is null && !KeyNames.IsDesired(sk.Key);
            foreach (var (element, es) in elements)
            {
                if (!keyOk)
                {
                    violations += es.Adds.Count + es.Removes.Count;
                    continue;
                }

                SetElementState mine = into.GetOrAddElement(sk, element);
                foreach (SetTag t in es.Adds)
                {
                    if (t.Site != site)
                    {
                        violations++;
                        continue;
                    }

                    mine.Adds.Add(t);
                    applied++;
                }

                mine.Removes.UnionWith(es.Removes);
                applied += es.Removes.Count;
                if (mine.Adds.Count == 0 && mine.Removes.Count == 0)
                {
                    into.RemoveEmptyElement(sk, element);
                }
            }
        }

        return new ApplyCounts(applied, violations, conflicts);
    }
}
