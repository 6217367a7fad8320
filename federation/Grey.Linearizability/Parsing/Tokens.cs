using System.Globalization;

namespace Grey.Linearizability.Parsing;

/// <summary>Small, strict token helpers shared by the history parsers.</summary>
internal static class Tokens
{
    /// <summary>The longest line a history file may have; longer lines are reported, not read further.</summary>
    public const int MaxLineLength = 4096;

    private static readonly char[] Separators = [' ', '\t'];

    public static string[] Split(string line) => line.Split(Separators, StringSplitOptions.RemoveEmptyEntries);

    public static bool TryParseInt64(string token, out long value) =>
        long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool TryParseClient(string token, out int value) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>Quotes a token for an error message, shortened so that a huge token cannot flood the output.</summary>
    public static string Quote(string token)
    {
        const int MaxShown = 40;
        string shown = token.Length > MaxShown ? token[..MaxShown] + "..." : token;
        var sanitized = new char[shown.Length];
        for (int i = 0; i < shown.Length; i++)
        {
            char c = shown[i];
            sanitized[i] = c < ' ' || c == '\u007f' ? '?' : c;
        }

        return "'" + new string(sanitized) + "'";
    }
}
