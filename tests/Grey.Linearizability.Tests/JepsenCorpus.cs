namespace Grey.Linearizability.Tests;

/// <summary>
/// The Jepsen etcd histories and their known verdicts, found beside the repository as CI lays it out:
/// the folder holding Grey.slnx, then ../shared/testdata/jepsen-etcd.
/// </summary>
internal static class JepsenCorpus
{
    public const int ExpectedCount = 102;

    public static string Directory { get; } = Locate();

    public static IReadOnlyList<(string File, Verdict Verdict)> Verdicts()
    {
        var list = new List<(string, Verdict)>();
        foreach (string line in File.ReadAllLines(Path.Combine(Directory, "verdicts.tsv")))
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }

            string[] parts = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Verdict verdict = parts[1] switch
            {
                "linearizable" => Verdict.Linearizable,
                "not-linearizable" => Verdict.NotLinearizable,
                _ => throw new InvalidDataException($"verdicts.tsv: unknown verdict '{parts[1]}'"),
            };
            list.Add((parts[0], verdict));
        }

        return list;
    }

    public static IReadOnlyList<HistoryOperation> Load(string file)
    {
        using var reader = new StreamReader(Path.Combine(Directory, file));
        HistoryParseResult parsed = JepsenLog.Read(reader);
        if (!parsed.IsSuccess)
        {
            throw new InvalidDataException($"{file}: {parsed.Error}");
        }

        return parsed.Operations;
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Grey.slnx")))
            {
                string corpus = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "jepsen-etcd"));
                if (!System.IO.Directory.Exists(corpus))
                {
                    throw new DirectoryNotFoundException($"The Jepsen corpus is missing: expected it at {corpus}.");
                }

                return corpus;
            }
        }

        throw new DirectoryNotFoundException($"No folder holding Grey.slnx above {AppContext.BaseDirectory}.");
    }
}
