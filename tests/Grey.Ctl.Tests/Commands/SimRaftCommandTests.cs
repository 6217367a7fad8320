using System.Text.Json;

namespace Grey.Ctl.Tests.Commands;

public sealed class SimRaftCommandTests
{
    private static (int Rc, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int rc = Program.Run(args, o, e);
        return (rc, o.ToString(), e.ToString());
    }

    [Fact]
    public void SimRaft_FewSeedsAllFaults_ExitsZeroWithSummary()
    {
        var (rc, stdout, stderr) = Run("sim", "raft", "--seeds", "1-3", "--steps", "8000");
        Assert.True(rc == 0, stdout + stderr);
        Assert.Contains("3/3 seeds passed, 0 failed", stdout, StringComparison.Ordinal);
        Assert.Contains("seeds/s", stdout, StringComparison.Ordinal);
        Assert.Contains("longest history", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void SimRaft_Json_ExactlyOneObjectOnStdout()
    {
        var (rc, stdout, _) = Run("sim", "raft", "--seeds", "4-5", "--nodes", "5", "--faults", "net", "--steps", "5000", "--json");
        Assert.Equal(0, rc);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(2, doc.RootElement.GetProperty("passed").GetInt32());
        Assert.Equal(0, doc.RootElement.GetProperty("failed").GetInt32());
        Assert.Equal("net", doc.RootElement.GetProperty("faults").GetString());
        Assert.True(doc.RootElement.GetProperty("elections").GetInt64() >= 2);
        Assert.Equal(0, doc.RootElement.GetProperty("failures").GetArrayLength());
    }

    [Fact]
    public void SimRaft_SameSeedTwice_SameOutputFigures()
    {
        var (_, first, _) = Run("sim", "raft", "--seeds", "9", "--steps", "6000", "--json");
        var (_, second, _) = Run("sim", "raft", "--seeds", "9", "--steps", "6000", "--json");
        using JsonDocument a = JsonDocument.Parse(first);
        using JsonDocument b = JsonDocument.Parse(second);
        foreach (string field in new[] { "elections", "commits", "operationsChecked", "longestHistory" })
        {
            Assert.Equal(a.RootElement.GetProperty(field).GetInt64(), b.RootElement.GetProperty(field).GetInt64());
        }
    }

    [Fact]
    public void SimRaft_HistoryDirMissing_ExitsTwo()
    {
        var (rc, _, stderr) = Run("sim", "raft", "--seeds", "1", "--history-dir", "/nonexistent/grey-sim-histories");
        Assert.Equal(2, rc);
        Assert.Contains("--history-dir", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--nodes", "4")]
    [InlineData("--faults", "disk")]
    [InlineData("--seeds", "5-1")]
    [InlineData("--seeds", "abc")]
    [InlineData("--steps", "0")]
    public void SimRaft_BadOption_ExitsTwoWithMessage(string option, string value)
    {
        var (rc, _, stderr) = Run("sim", "raft", option, value);
        Assert.Equal(2, rc);
        Assert.Contains(value, stderr, StringComparison.Ordinal);
    }
}
