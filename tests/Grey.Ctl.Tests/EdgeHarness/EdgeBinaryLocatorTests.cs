using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Tests.EdgeHarness;

public sealed class EdgeBinaryLocatorTests
{
    [Fact]
    public void TryLocate_MissingExplicitPath_FailsWithMessage()
    {
        Assert.False(EdgeBinaryLocator.TryLocate("/nonexistent/grey-edge", out _, out string error));
        Assert.Contains("no such file", error);
    }

    [Fact]
    public void TryLocate_Directory_FailsWithMessage()
    {
        Assert.False(EdgeBinaryLocator.TryLocate(Path.GetTempPath(), out _, out string error));
        Assert.Contains("directory", error);
    }

    [Fact]
    public void TryLocate_ExistingExecutable_RunsItDirectly()
    {
        Assert.True(EdgeBinaryLocator.TryLocate("/bin/sh", out EdgeCommandLine command, out _));
        Assert.Equal("/bin/sh", command.FileName);
        Assert.Empty(command.LeadingArguments);
    }

    [Fact]
    public void TryLocate_Dll_RunsThroughDotnetHost()
    {
        string dll = typeof(EdgeBinaryLocatorTests).Assembly.Location;
        Assert.True(EdgeBinaryLocator.TryLocate(dll, out EdgeCommandLine command, out _));
        Assert.Equal("dotnet", command.FileName);
        Assert.Equal([dll], command.LeadingArguments);
    }
}
