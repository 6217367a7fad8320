using Grey.Federation.Identifiers;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Federation.State;

namespace Grey.Federation.Merge;

/// <summary>
/// Key ownership (DESIGN G6; docs/PROTOCOL.md §9). A site owns every key it writes, which lands in its own
/// scope; <c>shared/...</c> keys land in the shared scope and any site may write them; <c>desired/...</c>
/// keys are written by a site only as the application of a desired-state change issued for it, so such a
/// put or delete must carry a <see cref="DesiredRef"/> that the ledger confirms (region, sequence, site,
/// key, kind, value and digest), and counters and sets are never under <c>desired/</c>. An operation that
/// breaks a rule is skipped and counted, never the whole delta (that would break the chain).
/// </summary>
public static class OwnershipRules
{
    /// <summary>Why <paramref name="op"/> from <paramref name="site"/>'s log breaks ownership, or null when it may apply.</summary>
    public static string? Violation(string site, Operation op, IDesiredChangeLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(ledger);
        if (!KeyNames.IsDesired(op.Key))
        {
            return op.Desired is null ? null : $"{op.Key}: a desired-state reference on a key outside {KeyNames.DesiredPrefix}";
        }

        if (op.Kind is not (OperationKind.Put or OperationKind.Delete))
        {
            return $"{op.Key}: {op.Kind} is not allowed on {KeyNames.DesiredPrefix} keys";
        }

        if (op.Desired is null)
        {
            return $"{op.Key}: written by the site without a desired-state change";
        }

        DesiredChange? change = ledger.Find(op.Desired.Region, site, op.Desired.Sequence);
        if (change is null || change.Site != site)
        {
            return $"{op.Key}: region {op.Desired.Region} issued no change {op.Desired.Sequence} for site {site}";
        }

        return change.Matches(op) ? null : $"{op.Key}: does not match change {op.Desired.Sequence} of region {op.Desired.Region}";
    }

    /// <summary>Why a register of a checkpoint from <paramref name="site"/> breaks ownership, or null.</summary>
    internal static string? RegisterViolation(string site, StateKey sk, Register reg, IDesiredChangeLedger ledger)
    {
        if (reg.Site != site)
        {
            return $"{sk.Key}: a checkpoint of {site} carries a write of {reg.Site}";
        }

        string? scope = ScopeViolation(site, sk);
        if (scope is not null)
        {
            return scope;
        }

        if (!KeyNames.IsDesired(sk.Key))
        {
            return reg.Desired is null ? null : $"{sk.Key}: a desired-state reference on a key outside {KeyNames.DesiredPrefix}";
        }

        if (reg.Desired is null)
        {
            return $"{sk.Key}: written by the site without a desired-state change";
        }

        DesiredChange? change = ledger.Find(reg.Desired.Region, site, reg.Desired.Sequence);
        bool matches = change is not null && change.Site == site && change.Key == sk.Key
                       && reg.Desired.Equals(change.Reference) && reg.IsTombstone == (change.Kind == OperationKind.Delete)
                       && reg.Value.Span.SequenceEqual(change.Value.Span);
        return matches ? null : $"{sk.Key}: does not match change {reg.Desired.Sequence} of region {reg.Desired.Region}";
    }

    /// <summary>Why a counter or set of a checkpoint from <paramref name="site"/> is out of its scope, or null.</summary>
    internal static string? ScopeViolation(string site, StateKey sk)
    {
        if (sk.Scope != KeyNames.ScopeOf(site, sk.Key))
        {
            return $"{sk.Key}: in scope '{sk.Scope}', which {site} does not own";
        }

        return null;
    }
}
