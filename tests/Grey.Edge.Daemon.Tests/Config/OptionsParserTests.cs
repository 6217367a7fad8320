using Grey.Edge.Daemon.Config;

namespace Grey.Edge.Daemon.Tests.Config;

public class OptionsParserTests
{
    private static readonly Dictionary<string, string> NoEnv = [];

    private static string NoFile(string path) => throw new FileNotFoundException("no such file", path);

    [Fact]
    public void Parse_MinimalFlags_OneNodeSite()
    {
        var o = OptionsParser.Parse(["--node-id", "1", "--site", "s1", "--data", "/tmp/x", "--api", "127.0.0.1:8080"], NoEnv, NoFile, out var errors);
        Assert.Empty(errors);
        Assert.Equal(1UL, o!.NodeId);
        Assert.Empty(o.Peers);
        Assert.Equal(8080, o.Api!.Port);
    }

    [Fact]
    public void Parse_EveryErrorAtOnce()
    {
        var o = OptionsParser.Parse(["--node-id", "0", "--site", "Bad_Site", "--api", "nowhere", "--bogus", "x", "--peers", "2=127.0.0.1:1,x=y", "--tick-ms", "-5"], NoEnv, NoFile, out var errors);
        Assert.Null(o);
        var all = string.Join("\n", errors);
        foreach (var expected in new[] { "--node-id '0'", "--site 'Bad_Site'", "--data is required", "--api 'nowhere'", "unknown flag --bogus", "--peers item 'x=y'", "--tick-ms '-5'", "--peer-listen is required", "mutual TLS" })
        {
            Assert.Contains(expected, all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_FileThenEnvThenFlags_LaterWins()
    {
        var file = "site = from-file\nnode-id = 1\n# comment\ndata = /d\napi = 127.0.0.1:1\ntick-ms = 30\n";
        var env = new Dictionary<string, string> { ["GREY_EDGE_SITE"] = "from-env", ["GREY_EDGE_TICK_MS"] = "40" };
        var o = OptionsParser.Parse(["--config", "c.conf", "--tick-ms", "50"], env, _ => file, out var errors);
        Assert.Empty(errors);
        Assert.Equal("from-env", o!.Site);
        Assert.Equal(50, o.TickMs);
        Assert.Equal("/d", o.DataDirectory);
    }

    [Fact]
    public void Parse_BadConfigFileLines_Reported()
    {
        var o = OptionsParser.Parse(["--config", "c.conf"], NoEnv, _ => "nonsense\nwhat = 1\n", out var errors);
        Assert.Null(o);
        Assert.Contains(errors, e => e.Contains("c.conf:1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("unknown key 'what'", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_PeersWithoutSelf_Refused()
    {
        var o = OptionsParser.Parse(["--node-id", "1", "--site", "s", "--data", "d", "--api", "127.0.0.1:1", "--peer-listen", "127.0.0.1:2", "--peers", "2=127.0.0.1:3,3=127.0.0.1:4", "--insecure"], NoEnv, NoFile, out var errors);
        Assert.Null(o);
        Assert.Contains(errors, e => e.Contains("must list this node", StringComparison.Ordinal));
    }
}
