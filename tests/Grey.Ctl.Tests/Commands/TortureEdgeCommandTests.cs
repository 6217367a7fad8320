namespace Grey.Ctl.Tests.Commands;

public sealed class TortureEdgeCommandTests
{
    private static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.Run(["torture", "edge", .. args], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("--rounds", "0", "--rounds must lie in")]
    [InlineData("--nodes", "2", "--nodes must lie in")]
    [InlineData("--clients", "0", "--clients must lie in")]
    [InlineData("--seed", "-1", "-1")]
    public void Run_BadArgument_ExitsTwoWithMessage(string option, string value, string message)
    {
        (int exit, _, string error) = Run(option, value, "--edge-bin", "/bin/sh");
        Assert.Equal(2, exit);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Run_EdgeBinaryMissing_ExitsTwoWithMessage()
    {
        (int exit, _, string error) = Run("--edge-bin", "/nonexistent/grey-edge");
        Assert.Equal(2, exit);
        Assert.Contains("no such file", error);
    }

    [Fact]
    public void Run_DaemonThatNeverBecomesHealthy_ExitsOneAndSaysWhy()
    {
        // /bin/true exits at once whatever its arguments: the site never becomes healthy, and the run
        // must fail (exit 1) with the reason, not hang or pass.
        (int exit, string output, _) = Run("--edge-bin", "/bin/true", "--rounds", "1", "--seed", "7");
        Assert.Equal(1, exit);
        Assert.Contains("never became healthy", output);
        Assert.Contains("seed=7", output);
    }
}
