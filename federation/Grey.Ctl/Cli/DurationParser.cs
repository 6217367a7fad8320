using System.Globalization;

namespace Grey.Ctl.Cli;

/// <summary>
/// Parses the one duration syntax every verb accepts: an integer with a unit (<c>500ms</c>, <c>15s</c>,
/// <c>2m</c>, <c>1h</c>). Bare numbers are refused, because "30" is ambiguous between seconds and
/// milliseconds and a wrong guess silently changes a test's meaning.
/// </summary>
internal static class DurationParser
{
    /// <summary>The longest duration a verb accepts; anything longer is almost certainly a typo.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);

    public static bool TryParse(string? text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty duration; expected an integer with a unit such as 500ms, 15s, 2m or 1h";
            return false;
        }

        string s = text.Trim();
        int split = 0;
        while (split < s.Length && char.IsAsciiDigit(s[split]))
        {
            split++;
        }

        string digits = s[..split];
        string unit = s[split..];
        if (digits.Length == 0 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
        {
            error = $"'{text}' is not a duration; expected an integer with a unit such as 500ms, 15s, 2m or 1h";
            return false;
        }

        TimeSpan? parsed = unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(Math.Min(n, (long)MaxDuration.TotalMilliseconds + 1)),
            "s" => TimeSpan.FromSeconds(Math.Min(n, (long)MaxDuration.TotalSeconds + 1)),
            "m" => TimeSpan.FromMinutes(Math.Min(n, (long)MaxDuration.TotalMinutes + 1)),
            "h" => TimeSpan.FromHours(Math.Min(n, (long)MaxDuration.TotalHours + 1)),
            _ => null,
        };
        if (parsed is null)
        {
            error = unit.Length == 0
                ? $"'{text}' has no unit; write it as {digits}ms, {digits}s, {digits}m or {digits}h"
                : $"'{text}' has an unknown unit '{unit}'; use ms, s, m or h";
            return false;
        }

        if (parsed.Value > MaxDuration)
        {
            error = $"'{text}' is longer than the maximum of {MaxDuration.TotalDays} days";
            return false;
        }

        value = parsed.Value;
        return true;
    }
}
