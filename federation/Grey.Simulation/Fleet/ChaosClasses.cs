using System.Text;

namespace Grey.Simulation.Fleet;

/// <summary>
/// The command-line names of the chaos classes (<c>uplink-outage,tamper</c>, <c>all</c>, <c>none</c>) and back.
/// </summary>
internal static class ChaosClasses
{
    /// <summary>The longest list text accepted, so a pasted file cannot become an error message of megabytes.</summary>
    public const int MaxTextLength = 1024;

    /// <summary>Every single class with its name, in the order of issue 8 (also the order <see cref="Format"/> prints).</summary>
    public static readonly IReadOnlyList<(ChaosClass Class, string Name)> Names =
    [
        (ChaosClass.UplinkOutage, "uplink-outage"),
        (ChaosClass.BrokerRestart, "broker-restart"),
        (ChaosClass.NodeCrash, "node-crash"),
        (ChaosClass.Duplicate, "duplicate"),
        (ChaosClass.Tamper, "tamper"),
        (ChaosClass.Forge, "forge"),
        (ChaosClass.Revoke, "revoke"),
        (ChaosClass.RegionRestart, "region-restart"),
        (ChaosClass.ClockSkew, "clock-skew"),
    ];

    /// <summary>
    /// Parses a comma-separated list of class names, or <c>all</c>, or <c>none</c> (case-insensitive, blanks
    /// around names ignored). Every unknown name is listed in <paramref name="error"/>.
    /// </summary>
    public static bool TryParse(string? text, out ChaosClass chaos, out string error)
    {
        chaos = ChaosClass.None;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty chaos list; expected 'all', 'none' or a comma-separated list of: " + string.Join(", ", Names.Select(n => n.Name));
            return false;
        }

        if (text.Length > MaxTextLength)
        {
            error = $"chaos list longer than {MaxTextLength} characters";
            return false;
        }

        var unknown = new List<string>();
        ChaosClass result = ChaosClass.None;
        foreach (string raw in text.Split(','))
        {
            string name = raw.Trim().ToLowerInvariant();
            if (name == "all")
            {
                result |= ChaosClass.All;
                continue;
            }

            if (name == "none")
            {
                continue;
            }

            int index = IndexOf(name);
            if (index < 0)
            {
                unknown.Add(name.Length == 0 ? "(empty)" : name);
                continue;
            }

            result |= Names[index].Class;
        }

        if (unknown.Count > 0)
        {
            error = $"unknown chaos class{(unknown.Count > 1 ? "es" : string.Empty)} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; " +
                    "expected 'all', 'none' or a comma-separated list of: " + string.Join(", ", Names.Select(n => n.Name));
            return false;
        }

        chaos = result;
        return true;
    }

    /// <summary>The list form of <paramref name="chaos"/>: <c>none</c>, <c>all</c> or the names joined by commas.</summary>
    public static string Format(ChaosClass chaos)
    {
        if (chaos == ChaosClass.None)
        {
            return "none";
        }

        if ((chaos & ChaosClass.All) == ChaosClass.All)
        {
            return "all";
        }

        var text = new StringBuilder();
        foreach ((ChaosClass c, string name) in Names)
        {
            if ((chaos & c) != 0)
            {
                text.Append(text.Length > 0 ? "," : string.Empty).Append(name);
            }
        }

        return text.ToString();
    }

    /// <summary>The kebab-case name of one class.</summary>
    public static string NameOf(ChaosClass single)
    {
        foreach ((ChaosClass c, string name) in Names)
        {
            if (c == single)
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(single), single, "not a single chaos class");
    }

    private static int IndexOf(string name)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (Names[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }
}
