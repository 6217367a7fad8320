using System.Text;

namespace Grey.Raft.Tests.Scenarios;

/// <summary>
/// Runs every testdata/*.txt scenario and compares the trace of each command with the expected output.
/// Set GREY_REWRITE=1 to regenerate the expected outputs in the source tree (then review the diff).
/// </summary>
public sealed class ScenarioTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "testdata"), "*.txt").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Scenario_File_MatchesExpectedTrace(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "testdata", name);
        var file = ScenarioFile.Parse(File.ReadAllText(path));
        Assert.True(file.Blocks.Count > 0, $"{name} has no commands");
        var env = new InteractionEnv();
        var outputs = new List<string>();
        var failures = new StringBuilder();
        foreach (var block in file.Blocks)
        {
            var actual = env.Run(ScenarioCommand.Parse(block.Command, block.Line));
            outputs.Add(actual);
            if (actual != block.Expected && failures.Length == 0)
            {
                failures.Append($"{name}:{block.Line}: {block.Command}\n--- expected\n{block.Expected}--- actual\n{actual}");
            }
        }

        if (Environment.GetEnvironmentVariable("GREY_REWRITE") == "1")
        {
            File.WriteAllText(SourcePath(name), file.Render(outputs));
            return;
        }

        Assert.True(failures.Length == 0, failures.ToString());
    }

    /// <summary>The file in the source tree, found by walking up from the output directory.</summary>
    private static string SourcePath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "testdata", name);
            if (File.Exists(Path.Combine(dir.FullName, "Grey.Raft.Tests.csproj")) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"cannot find the source of testdata/{name} for rewriting");
    }
}
