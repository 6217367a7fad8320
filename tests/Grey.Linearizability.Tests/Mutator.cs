namespace Grey.Linearizability.Tests;

/// <summary>
/// A seeded mutation fuzzer for the text parsers: it damages valid files (flipped characters, deleted,
/// duplicated and swapped lines, truncation, inserted junk) and asserts that the parser either accepts the
/// result or reports a line inside the file: no exception, no hang, no line number out of range.
/// </summary>
internal static class Mutator
{
    private static readonly string[] Junk =
    [
        "\t", " ", "-", "nil", "[", "]", "[1 2]", ":invoke", ":ok", ":fail", ":info", ":read", ":write", ":cas",
        "#", "grey-history", "kv", "register", "ok", "fail", "read", "write", "cas", "-1", "9223372036854775808",
        "\u0000", "\u00e9", "\r", "\n", "0", "1", "99999999999", "jepsen.util", "INFO", ":nemesis",
    ];

    public static (int Ok, int Malformed) Run(Random random, string[] sources, int iterations, Func<string, HistoryParseResult> parse)
    {
        int ok = 0;
        int malformed = 0;
        for (int i = 0; i < iterations; i++)
        {
            string source = sources[random.Next(sources.Length)];
            string mutant = Mutate(random, source);
            HistoryParseResult result;
            try
            {
                result = parse(mutant);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"mutant #{i} threw instead of reporting a parse error:{Environment.NewLine}{mutant}", ex);
            }

            if (result.IsSuccess)
            {
                ok++;
                continue;
            }

            malformed++;
            int lines = CountLines(mutant);
            if (result.Line < 1 || result.Line > lines + 1 || !result.Error!.StartsWith($"malformed: line {result.Line}: ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"mutant #{i}: bad error '{result.Error}' for a file of {lines} lines");
            }
        }

        return (ok, malformed);
    }

    private static int CountLines(string text)
    {
        using var reader = new StringReader(text);
        int count = 0;
        while (reader.ReadLine() is not null)
        {
            count++;
        }

        return count;
    }

    private static string Mutate(Random random, string source)
    {
        List<string> lines = [.. source.Split('\n')];
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits && lines.Count > 0; e++)
        {
            int at = random.Next(lines.Count);
            switch (random.Next(8))
            {
                case 0:
                    lines.RemoveAt(at);
                    break;
                case 1:
                    lines.Insert(at, lines[random.Next(lines.Count)]);
                    break;
                case 2:
                    int other = random.Next(lines.Count);
                    (lines[at], lines[other]) = (lines[other], lines[at]);
                    break;
                case 3:
                    lines.RemoveRange(at, lines.Count - at);
                    break;
                case 4:
                    lines[at] = ReplaceToken(random, lines[at]);
                    break;
                case 5:
                    lines[at] = lines[at].Length == 0 ? lines[at] : lines[at].Remove(random.Next(lines[at].Length), 1);
                    break;
                case 6:
                    lines[at] = lines[at].Insert(random.Next(lines[at].Length + 1), Junk[random.Next(Junk.Length)]);
                    break;
                default:
                    char[] chars = lines[at].ToCharArray();
                    if (chars.Length > 0)
                    {
                        chars[random.Next(chars.Length)] = (char)random.Next(0, 128);
                    }

                    lines[at] = new string(chars);
                    break;
            }
        }

        return string.Join('\n', lines);
    }

    private static string ReplaceToken(Random random, string line)
    {
        string[] tokens = line.Split([' ', '\t']);
        if (tokens.Length == 0)
        {
            return line;
        }

        tokens[random.Next(tokens.Length)] = Junk[random.Next(Junk.Length)];
        return string.Join(random.Next(2) == 0 ? ' ' : '\t', tokens);
    }
}
