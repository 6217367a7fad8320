using Grey.Region.Daemon.Sharding;
using Grey.Region.Quotas;

namespace Grey.Region.Daemon.Config;

/// <summary>
/// The quota and shard flags of <c>grey-region</c>: <c>--quota-deltas-per-s N</c> and <c>--quota-bytes-per-s N</c>
/// (every site's default quota; 0 is unlimited), <c>--quota SITE=D/B[,SITE=D/B...]</c> (per-site overrides) and
/// <c>--shard I/N</c>. Every error is added to the caller's list.
/// </summary>
internal static class QuotaAndShardFlags
{
    /// <summary>Default deltas per second per site: far above what one site's outbox sends in normal work, so only a runaway site is slowed.</summary>
    public const double DefaultDeltasPerSecond = 1000;

    /// <summary>Default wire bytes per second per site (64 MiB/s).</summary>
    public const double DefaultBytesPerSecond = 64 * 1024 * 1024;

    /// <summary>The usage lines.</summary>
    public const string Usage =
        "[--quota-deltas-per-s N] [--quota-bytes-per-s N] [--quota SITE=D/B,...] [--shard I/N]";

    /// <summary>Reads the flags into <paramref name="options"/>.</summary>
    public static RegionDaemonOptions Apply(IReadOnlyDictionary<string, string> values, RegionDaemonOptions options, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        double deltas = Rate(values, "quota-deltas-per-s", DefaultDeltasPerSecond, errors);
        double bytes = Rate(values, "quota-bytes-per-s", DefaultBytesPerSecond, errors);
        Dictionary<string, SiteQuota> overrides = values.TryGetValue("quota", out string? list) ? QuotaOptions.ParseOverrides(list, errors) : [];
        var quotas = new QuotaOptions { Default = new SiteQuota(deltas, bytes), Overrides = overrides };
        ShardAssignment shard = ShardAssignment.Single;
        if (values.TryGetValue("shard", out string? text))
        {
            shard = ShardAssignment.Parse(text, out string? error) ?? ShardAssignment.Single;
            if (error is not null)
            {
                errors.Add(error);
            }
        }

        return options with { Quotas = quotas, Shard = shard };
    }

    private static double Rate(IReadOnlyDictionary<string, string> values, string key, double fallback, List<string> errors)
    {
        if (!values.TryGetValue(key, out string? text))
        {
            return fallback;
        }

        if (SiteQuota.TryRate(text, out double rate))
        {
            return rate;
        }

        errors.Add($"--{key} '{text}' must be a number from 0 to {QuotaOptions.MaxRate:0} (0 is unlimited)");
        return fallback;
    }
}
