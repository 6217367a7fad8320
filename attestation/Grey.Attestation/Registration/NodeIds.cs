using System.Text.RegularExpressions;

namespace Grey.Attestation.Registration;

/// <summary>Node ids match [a-z0-9][a-z0-9-]{0,62} (DESIGN §3: they appear in subjects and topics).</summary>
public static partial class NodeIds
{
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
