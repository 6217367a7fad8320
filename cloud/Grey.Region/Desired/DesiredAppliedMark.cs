using Grey.Federation.Identifiers;
using Grey.Federation.State;

namespace Grey.Region.Desired;

/// <summary>
/// How far a site has applied this region's desired changes, read from the merged state. The edge applies changes
/// strictly in order, each as a put or delete carrying a <see cref="Grey.Federation.Messages.DesiredRef"/>, and the
/// merge keeps, per key, the register with the newest stamp (the site stamps later log entries later), so the
/// highest sequence any of the site's desired registers refers to is the site's applied mark: every change up to it
/// was applied. It is recomputed from state rather than kept, so a restart, a checkpoint or a folded history all
/// give the same answer.
/// </summary>
internal static class DesiredAppliedMark
{
    /// <summary>The highest sequence of <paramref name="region"/>'s changes seen applied among <paramref name="keys"/> of <paramref name="site"/>, or 0.</summary>
    public static ulong Compute(RegionState state, string region, string site, IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(keys);
        string scope = KeyNames.ScopeOf(site, KeyNames.DesiredPrefix);
        ulong mark = 0;
        foreach (string key in keys)
        {
            if (state.TryGetRegister(scope, key, out Register register) && register.Desired is { } reference
                && reference.Region == region && reference.Sequence > mark)
            {
                mark = reference.Sequence;
            }
        }

        return mark;
    }
}
