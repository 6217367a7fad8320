namespace Grey.Ctl.Tests;

public sealed class ProgramTests
{
    [Fact]
    public void Run_UnknownVerb_ExitsTwoWithMessage()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = Program.Run(["no-such-verb"], stdout, stderr);
        Assert.Equal(2, rc);
        Assert.Contains("no-such-verb", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Help_ExitsZeroAndListsSim()
    {
        var stdout = new StringWriter();
        int rc = Program.Run(["--help"], stdout, new StringWriter());
        Assert.Equal(0, rc);
        Assert.Contains("sim", stdout.ToString(), StringComparison.Ordinal);
    }
}
