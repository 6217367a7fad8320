using System.Text.Json;

namespace Grey.Ctl.Tests.Commands;

public sealed class SimMergeCommandTests
{
    private static (int Rc, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int rc = Program.Run(args, o, e);
        return (rc, o.ToString(), e.ToString());
    }

    // CI runs 100 seeds of the merge simulation through the real command line (issue 3: at least 100).
    [Fact]
    public void SimMerge_HundredSeeds_AllConvergeExitZero()
    {
        var (rc, stdout, stderr) = Run("sim", "merge", "--seeds", "1-100");
        Assert.True(rc == 0, stdout + stderr);
        Assert.Contains("100 seeds (1-100), 100 converged, 0 failed", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void SimMerge_Json_OneObjectOnStdout()
    {
        var (rc, stdout, _) = Run("sim", "merge", "--seeds", "7-8", "--sites", "2", "--regions", "2", "--json");
        Assert.Equal(0, rc);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(2, doc.RootElement.GetProperty("converged").GetInt32());
        Assert.Equal(0, doc.RootElement.GetProperty("failedSeeds").GetArrayLength());
    }

    [Theory]
    [InlineData("--sites", "0")]
    [InlineData("--regions", "17")]
    [InlineData("--seeds", "5-1")]
    [InlineData("--seeds", "x")]
    public void SimMerge_BadOption_ExitTwoWithMessage(string option, string value)
    {
        var (rc, _, stderr) = Run("sim", "merge", option, value);
        Assert.Equal(2, rc);
        Assert.Contains("greyctl:", stderr, StringComparison.Ordinal);
    }
}
