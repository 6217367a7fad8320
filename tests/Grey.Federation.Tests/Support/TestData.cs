namespace Grey.Federation.Tests.Support;

internal static class TestData
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "testdata", name);

    /// <summary>The repository root, found by walking up to Grey.slnx.</summary>
    public static string RepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir, "Grey.slnx")))
        {
            dir = System.IO.Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The source testdata folder (for rewriting vectors), not the copy in the output.</summary>
    public static string SourcePath(string name) => System.IO.Path.Combine(RepoRoot(), "tests", "Grey.Federation.Tests", "testdata", name);
}
