namespace Grey.Ctl.Tests.Commands;

public sealed class LincheckCommandTests : IDisposable
{
    private const string KvOnlyPerKey =
        "grey-history 1 kv\n"
        + "0 a write 1 - - ok 0 1\n"
        + "1 b write 2 - - ok 2 3\n"
        + "2 a read - - 1 ok 4 5\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("grey-lincheck-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Corpus(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Grey.slnx")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "jepsen-etcd", file));
            }
        }

        throw new DirectoryNotFoundException("No folder holding Grey.slnx above the test binaries.");
    }

    private string Temp(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (int Exit, string[] Lines, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.Run(["lincheck", .. args], stdout, stderr);
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (exit, lines, stderr.ToString());
    }

    [Fact]
    public void Run_AllLinearizable_ExitsZero()
    {
        string a = Corpus("etcd_002.log");
        string b = Temp("h.grey", KvOnlyPerKey);
        (int exit, string[] lines, _) = Run(a, b);
        Assert.Equal(0, exit);
        Assert.Equal([$"{a}\tlinearizable", $"{b}\tlinearizable"], lines);
    }

    [Fact]
    public void Run_OneNotLinearizable_ExitsOneAndExplainsOnStandardError()
    {
        string good = Corpus("etcd_002.log");
        string bad = Corpus("etcd_000.log");
        (int exit, string[] lines, string error) = Run(good, bad);
        Assert.Equal(1, exit);
        Assert.Equal([$"{good}\tlinearizable", $"{bad}\tnot-linearizable"], lines);
        Assert.Contains("could not be placed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MalformedAndNotLinearizable_ExitsTwoAndCarriesOn()
    {
        string malformed = Temp("bad.log", "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\tseven\n");
        string bad = Corpus("etcd_000.log");
        (int exit, string[] lines, _) = Run(malformed, bad);
        Assert.Equal(2, exit);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"{malformed}\tmalformed: line 2: the write completes with 'seven'", lines[0], StringComparison.Ordinal);
        Assert.Equal($"{bad}\tnot-linearizable", lines[1]);
    }

    [Fact]
    public void Run_MissingFileOrDirectory_ReportedAsCannotRead()
    {
        string missing = Path.Combine(_dir, "nope.log");
        (int exit, string[] lines, _) = Run(missing, _dir, Corpus("etcd_002.log"));
        Assert.Equal(2, exit);
        Assert.Equal($"{missing}\tmalformed: cannot read: no such file", lines[0]);
        Assert.Equal($"{_dir}\tmalformed: cannot read: it is a directory", lines[1]);
        Assert.EndsWith("\tlinearizable", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Run_HistoryFileModel_OverridesTheOption()
    {
        // Linearizable only because keys are independent; the header's kv wins over --model register.
        string kv = Temp("kv.grey", KvOnlyPerKey);
        string register = Temp("register.grey", KvOnlyPerKey.Replace("grey-history 1 kv", "grey-history 1 register", StringComparison.Ordinal));
        (int exit, string[] lines, _) = Run("--model", "register", kv, register);
        Assert.Equal(1, exit);
        Assert.Equal([$"{kv}\tlinearizable", $"{register}\tnot-linearizable"], lines);
        Assert.Equal(1, Run("--model", "kv", register).Exit);
    }

    [Fact]
    public void Run_JepsenLogWithKvModel_GivesTheSameVerdict()
    {
        Assert.Equal(1, Run("--model", "kv", Corpus("etcd_000.log")).Exit);
        Assert.Equal(0, Run("--model", "kv", Corpus("etcd_002.log")).Exit);
    }

    [Fact]
    public void Run_StateBudgetTooSmall_ReportsUnknownAndExitsOne()
    {
        string file = Corpus("etcd_002.log");
        (int exit, string[] lines, string error) = Run("--max-states", "5", file);
        Assert.Equal(1, exit);
        Assert.Equal([$"{file}\tunknown"], lines);
        Assert.Contains("budget of 5 states", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--model", "queue", "x")]
    [InlineData("--max-states", "0", "x")]
    [InlineData("--budget", "10", "x")]
    public void Run_BadUsage_ExitsTwo(params string[] args)
    {
        Assert.Equal(2, Run(args).Exit);
    }

    [Fact]
    public void Run_NoFiles_ExitsTwo()
    {
        Assert.Equal(2, Run().Exit);
    }
}
