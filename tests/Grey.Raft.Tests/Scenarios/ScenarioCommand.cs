using System.Text.RegularExpressions;

namespace Grey.Raft.Tests.Scenarios;

/// <summary>One command of a scenario file: a name, positional arguments and key=value options.</summary>
internal sealed partial class ScenarioCommand
{
    private ScenarioCommand(string name, List<string> positional, Dictionary<string, string> options, int line)
    {
        Name = name;
        Positional = positional;
        Options = options;
        Line = line;
    }

    public string Name { get; }

    public List<string> Positional { get; }

    public Dictionary<string, string> Options { get; }

    public int Line { get; }

    [GeneratedRegex(@"[\w-]+=\([^)]*\)|\([^)]*\)|\S+")]
    private static partial Regex TokenRegex();

    public static ScenarioCommand Parse(string text, int line)
    {
        var tokens = TokenRegex().Matches(text).Select(m => m.Value).ToList();
        if (tokens.Count == 0)
        {
            throw new FormatException($"line {line}: empty command");
        }

        var positional = new List<string>();
        var options = new Dictionary<string, string>();
        foreach (var token in tokens.Skip(1))
        {
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && !token.StartsWith('('))
            {
                options[token[..eq]] = token[(eq + 1)..];
            }
            else
            {
                positional.Add(token);
            }
        }

        return new ScenarioCommand(tokens[0], positional, options, line);
    }

    /// <summary>Parses "(1,2,3)", "(1 2 3)" or "1".</summary>
    public static List<ulong> Ids(string value) =>
        value.Trim('(', ')').Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Select(ulong.Parse).ToList();

    public ulong Id(int position) => ulong.Parse(Positional[position]);

    public List<ulong> AllIds() => Positional.SelectMany(Ids).ToList();

    public string Option(string key, string fallback) => Options.TryGetValue(key, out var v) ? v : fallback;
}
