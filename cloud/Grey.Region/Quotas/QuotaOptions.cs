using Grey.Federation.Identifiers;

namespace Grey.Region.Quotas;

/// <summary>
/// Per-site quotas at the region, with documented defaults (<see cref="Unlimited"/> for the library; the daemon's
/// flags choose its own). Over its quota a site's signed acknowledgements are delayed, never its data: see
/// <see cref="AckGovernor"/>. <see cref="Validate"/> reports every problem at once.
/// </summary>
public sealed record QuotaOptions
{
    /// <summary>Largest rate accepted for either measure (a bound against typos such as a missing unit separator).</summary>
    public const double MaxRate = 1e12;

    /// <summary>Most per-site overrides (a longer list belongs in a policy service, not in flags).</summary>
    public const int MaxOverrides = 10_000;

    /// <summary>No quota at all: nothing is metered and no acknowledgement is ever delayed.</summary>
    public static readonly QuotaOptions Unlimited = new();

    /// <summary>The quota of every site without an override. Default unlimited.</summary>
    public SiteQuota Default { get; init; } = SiteQuota.Unlimited;

    /// <summary>Per-site quotas replacing <see cref="Default"/> for the sites named. Default none.</summary>
    public IReadOnlyDictionary<string, SiteQuota> Overrides { get; init; } = new Dictionary<string, SiteQuota>(StringComparer.Ordinal);

    /// <summary>
    /// How much unused quota a site may save up, as time at its rate: the bucket holds rate × burst tokens, so a quiet
    /// site's occasional burst is never delayed. Default 2 s.
    /// </summary>
    public TimeSpan Burst { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Longest delay of one acknowledgement: a site's debt is capped at rate × this. Default 5 s, half the edge outbox's
    /// <c>AckTimeout</c> (10 s): a longer hold would make the site resend its whole window, and the resends (charged as
    /// duplicates) would only deepen the debt.
    /// </summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most sites metered at once (buckets, counters and at most one held acknowledgement each). Default 100,000, the
    /// region's site bound. Beyond it, idle sites' buckets are pruned; a site that still finds no room is not metered
    /// (counted in <see cref="AckGovernor.Unmetered"/>).
    /// </summary>
    public int MaxSites { get; init; } = 100_000;

    /// <summary>Whether any site can be limited.</summary>
    public bool Enabled => !Default.IsUnlimited || Overrides.Values.Any(q => !q.IsUnlimited);

    /// <summary>The quota of <paramref name="site"/>.</summary>
    public SiteQuota For(string site) => Overrides.TryGetValue(site, out SiteQuota? q) ? q : Default;

    /// <summary>Returns every problem at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Check("the default quota", Default, errors);
        if (Overrides.Count > MaxOverrides)
        {
            errors.Add($"at most {MaxOverrides} per-site quotas, got {Overrides.Count}");
        }

        foreach ((string site, SiteQuota q) in Overrides)
        {
            if (!FederationId.IsValid(site))
            {
                errors.Add($"quota for '{site}': not a site id");
            }

            Check("the quota of " + site, q, errors);
        }

        if (Burst <= TimeSpan.Zero || Burst > TimeSpan.FromHours(1))
        {
            errors.Add($"quota burst must be within (0, 1 h], was {Burst}");
        }

        if (MaxDelay <= TimeSpan.Zero || MaxDelay > TimeSpan.FromMinutes(10))
        {
            errors.Add($"quota max delay must be within (0, 10 min], was {MaxDelay}");
        }

        if (MaxSites < 1)
        {
            errors.Add($"quota MaxSites must be positive, was {MaxSites}");
        }

        return errors;
    }

    /// <summary>
    /// Parses the <c>--quota</c> list: <c>SITE=D/B</c> entries separated by commas. Every bad entry is added to
    /// <paramref name="errors"/>; a site named twice is an error.
    /// </summary>
    public static Dictionary<string, SiteQuota> ParseOverrides(string text, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        var overrides = new Dictionary<string, SiteQuota>(StringComparer.Ordinal);
        string[] entries = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (entries.Length > MaxOverrides)
        {
            errors.Add($"--quota lists {entries.Length} sites, at most {MaxOverrides}");
            return overrides;
        }

        foreach (string entry in entries)
        {
            int eq = entry.IndexOf('=', StringComparison.Ordinal);
            string site = eq > 0 ? entry[..eq] : string.Empty;
            if (!FederationId.IsValid(site))
            {
                errors.Add($"--quota '{entry}' must be SITE=DELTAS/BYTES with a valid site id");
                continue;
            }

            SiteQuota? q = SiteQuota.Parse(entry[(eq + 1)..], out string? error);
            if (q is null)
            {
                errors.Add($"--quota {site}: {error}");
            }
            else if (!overrides.TryAdd(site, q))
            {
                errors.Add($"--quota names {site} twice");
            }
        }

        return overrides;
    }

    private static void Check(string what, SiteQuota q, List<string> errors)
    {
        if (!double.IsFinite(q.DeltasPerSecond) || q.DeltasPerSecond < 0 || q.DeltasPerSecond > MaxRate
            || !double.IsFinite(q.BytesPerSecond) || q.BytesPerSecond < 0 || q.BytesPerSecond > MaxRate)
        {
            errors.Add($"{what} must have rates within 0..{MaxRate:0} (0 is unlimited), was {q}");
        }
    }
}
