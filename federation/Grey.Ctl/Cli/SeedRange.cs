using System.Globalization;

namespace Grey.Ctl.Cli;

/// <summary>
/// An inclusive range of simulation seeds written <c>A-B</c> (or a single seed <c>A</c>).
/// </summary>
internal readonly record struct SeedRange(ulong First, ulong Last)
{
    /// <summary>The most seeds one invocation accepts, so a typo cannot start a run of years.</summary>
    public const ulong MaxCount = 10_000_000;

    public ulong Count => Last - First + 1;

    public IEnumerable<ulong> Seeds()
    {
        for (ulong s = First; ; s++)
        {
            yield return s;
            if (s == Last)
            {
                yield break;
            }
        }
    }

    public static bool TryParse(string? text, out SeedRange range, out string error)
    {
        range = default;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty seed range; expected A-B, for example 1-300";
            return false;
        }

        string[] parts = text.Trim().Split('-');
        if (parts.Length > 2
            || !ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ulong a)
            || (parts.Length == 2 && !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            error = $"'{text}' is not a seed range; expected A-B with non-negative integers, for example 1-300";
            return false;
        }

        ulong b = parts.Length == 2 ? ulong.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture) : a;
        if (b < a)
        {
            error = $"seed range '{text}' is empty: its end {b} is below its start {a}";
            return false;
        }

        if (b - a >= MaxCount)
        {
            error = $"seed range '{text}' has more than {MaxCount} seeds";
            return false;
        }

        range = new SeedRange(a, b);
        return true;
    }
}
