using System.Text;

namespace Grey.Raft.Tests.Scenarios;

/// <summary>
/// A scenario file in the style of etcd-io/raft's testdata: comment lines start with '#'; each block is a
/// command line, a "----" line, and the expected output up to the next blank line (outputs never contain
/// blank lines).
/// </summary>
internal sealed class ScenarioFile
{
    public sealed record Block(List<string> Comments, string Command, int Line, string Expected);

    public List<Block> Blocks { get; } = [];

    public List<string> Trailer { get; } = [];

    public static ScenarioFile Parse(string text)
    {
        var file = new ScenarioFile();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var comments = new List<string>();
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i];
            if (line.StartsWith('#') || line.Length == 0)
            {
                comments.Add(line);
                i++;
                continue;
            }

            var commandLine = i + 1;
            i++;
            if (i >= lines.Length || lines[i] != "----")
            {
                throw new FormatException($"line {commandLine}: expected '----' after the command '{line}'");
            }

            i++;
            var expected = new StringBuilder();
            while (i < lines.Length && lines[i].Length > 0)
            {
                expected.Append(lines[i]).Append('\n');
                i++;
            }

            file.Blocks.Add(new Block(comments, line, commandLine, expected.ToString()));
            comments = [];
        }

        file.Trailer.AddRange(comments);
        return file;
    }

    /// <summary>Renders the file with new outputs (for GREY_REWRITE=1).</summary>
    public string Render(IReadOnlyList<string> outputs)
    {
        var sb = new StringBuilder();
        for (var b = 0; b < Blocks.Count; b++)
        {
            foreach (var c in Blocks[b].Comments)
            {
                sb.Append(c).Append('\n');
            }

            sb.Append(Blocks[b].Command).Append('\n').Append("----\n").Append(outputs[b]);
        }

        var trailer = Trailer.ToList();
        while (trailer.Count > 0 && trailer[^1].Length == 0)
        {
            trailer.RemoveAt(trailer.Count - 1);
        }

        if (trailer.Count > 0)
        {
            sb.Append('\n');
            foreach (var c in trailer)
            {
                sb.Append(c).Append('\n');
            }
        }

        return sb.ToString();
    }
}
