namespace Grey.Ctl.Tests.Commands;

/// <summary>Argument validation of <c>greyctl bench edge</c>: every bad value exits 2 with a message, before anything starts.</summary>
public sealed class BenchEdgeCommandTests
{
    private static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.Run(["bench", "edge", .. args], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("--clients", "0", "--clients must lie in")]
    [InlineData("--clients", "5000", "--clients must lie in")]
    [InlineData("--value-size", "0", "--value-size must lie in")]
    [InlineData("--value-size", "2000000", "--value-size must lie in")]
    [InlineData("--nodes", "0", "--nodes must lie in")]
    [InlineData("--nodes", "9", "--nodes must lie in")]
    [InlineData("--duration", "500ms", "--duration must lie in")]
    [InlineData("--duration", "2h", "--duration must lie in")]
    [InlineData("--duration", "20", "has no unit")]
    [InlineData("--clients", "many", "many")]
    public void Run_BadArgument_ExitsTwoWithMessage(string option, string value, string message)
    {
        (int exit, string output, string error) = Run(option, value, "--edge-bin", "/bin/sh");
        Assert.Equal(2, exit);
        Assert.Contains(message, error);
        Assert.Empty(output);
    }

    [Fact]
    public void Run_SeveralBadArguments_ReportsAllAtOnce()
    {
        (int exit, _, string error) = Run("--clients", "0", "--value-size", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--clients", error);
        Assert.Contains("--value-size", error);
    }

    [Fact]
    public void Run_EdgeBinaryMissing_ExitsTwoWithMessage()
    {
        (int exit, _, string error) = Run("--edge-bin", "/nonexistent/grey-edge", "--duration", "1s");
        Assert.Equal(2, exit);
        Assert.Contains("/nonexistent/grey-edge: no such file", error);
    }
}
