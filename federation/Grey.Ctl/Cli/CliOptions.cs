using System.CommandLine;
using System.CommandLine.Parsing;

namespace Grey.Ctl.Cli;

/// <summary>
/// Option factories that apply the shared conventions (durations with units, seed ranges), so that a
/// bad value is reported by the parser with a precise message and exit code 2 like every usage error.
/// </summary>
internal static class CliOptions
{
    public static Option<TimeSpan> Duration(string name, string description, TimeSpan defaultValue)
    {
        var option = new Option<TimeSpan>(name)
        {
            Description = description + " (an integer with a unit: 500ms, 15s, 2m, 1h)",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = ParseDuration,
        };
        return option;
    }

    public static Option<SeedRange> Seeds(string name, string description, SeedRange defaultValue)
    {
        return new Option<SeedRange>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = ParseSeeds,
        };
    }

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print exactly one JSON object on standard output (progress goes to standard error)",
    };

    private static TimeSpan ParseDuration(ArgumentResult result)
    {
        string? token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
        if (DurationParser.TryParse(token, out TimeSpan value, out string error))
        {
            return value;
        }

        result.AddError(error);
        return TimeSpan.Zero;
    }

    private static SeedRange ParseSeeds(ArgumentResult result)
    {
        string? token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
        if (SeedRange.TryParse(token, out SeedRange value, out string error))
        {
            return value;
        }

        result.AddError(error);
        return default;
    }
}
