using System.Globalization;

namespace Grey.Region.Quotas;

/// <summary>
/// One site's limits at the region: authenticated deltas per second and their wire bytes per second. Zero means
/// unlimited for that measure; both zero means the site is not metered at all.
/// </summary>
public sealed record SiteQuota(double DeltasPerSecond, double BytesPerSecond)
{
    /// <summary>No limit on either measure.</summary>
    public static readonly SiteQuota Unlimited = new(0, 0);

    /// <summary>Whether neither measure is limited.</summary>
    public bool IsUnlimited => DeltasPerSecond <= 0 && BytesPerSecond <= 0;

    /// <summary>
    /// Parses <c>D/B</c> (deltas per second / bytes per second, each a non-negative number, 0 unlimited), as the
    /// <c>--quota SITE=D/B</c> flag takes it. Returns null with a reason when the text is not that.
    /// </summary>
    public static SiteQuota? Parse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/');
        if (parts.Length != 2)
        {
            error = $"'{text}' must be DELTAS/BYTES per second (e.g. 50/1048576; 0 is unlimited)";
            return null;
        }

        if (!TryRate(parts[0], out double deltas) || !TryRate(parts[1], out double bytes))
        {
            error = $"'{text}': each rate must be a number from 0 to {QuotaOptions.MaxRate:0} (0 is unlimited)";
            return null;
        }

        error = null;
        return new SiteQuota(deltas, bytes);
    }

    /// <summary>Parses one rate: a finite number within 0..<see cref="QuotaOptions.MaxRate"/>.</summary>
    public static bool TryRate(string text, out double rate) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out rate) && double.IsFinite(rate) && rate >= 0 && rate <= QuotaOptions.MaxRate;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{DeltasPerSecond}/{BytesPerSecond}");
}
