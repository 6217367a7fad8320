using Grey.Federation.Chain;
using Grey.Federation.Operations;
using Grey.Federation.State;

namespace Grey.Federation.Merge;

/// <summary>
/// Applies a site's data entries to a state under the ownership rules. The region merge uses it for the
/// new part of each delta; the edge uses it to keep the state its checkpoints carry; tests and the merge
/// simulator use <see cref="ApplyLog"/> as the reference ("the site's log applied directly").
/// </summary>
public static class SiteLogApplier
{
    /// <summary>Applies the operations of <paramref name="entries"/>, skipping and counting those that break ownership.</summary>
    public static ApplyCounts ApplyEntries(RegionState state, string site, ulong epoch, IEnumerable<DataEntry> entries, IDesiredChangeLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(entries);
        int applied = 0, violations = 0, conflicts = 0;
        foreach (DataEntry e in entries)
        {
            IReadOnlyList<Operation> ops = e.Operations;
            for (int i = 0; i < ops.Count; i++)
            {
                Operation op = ops[i];
                if (OwnershipRules.Violation(site, op, ledger) is not null)
                {
                    violations++;
                    continue;
                }

                if (state.Apply(site, epoch, op))
                {
                    conflicts++;
                }

                applied++;
            }
        }

        return new ApplyCounts(applied, violations, conflicts);
    }

    /// <summary>
    /// Applies a whole epoch's log from its start, and records progress at <paramref name="lastIndex"/> with
    /// the chain hash computed from the genesis hash over every entry.
    /// </summary>
    public static ApplyCounts ApplyLog(RegionState state, string site, ulong epoch, IReadOnlyList<DataEntry> entries, ulong lastIndex, IDesiredChangeLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ApplyCounts counts = ApplyEntries(state, site, epoch, entries, ledger);
        if (lastIndex > 0)
        {
            state.AdvanceProgress(site, epoch, lastIndex, ChainHash.Fold(ChainHash.Genesis(site, epoch), entries));
        }

        return counts;
    }
}
