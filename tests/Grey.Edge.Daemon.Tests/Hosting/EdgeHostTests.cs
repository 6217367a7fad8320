using Grey.Edge.Daemon.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Grey.Edge.Daemon.Tests.Hosting;

/// <summary>
/// The web host a node builds: only Kestrel, routing and console warnings. The slim builder it replaced also read
/// appsettings files, every environment variable and the command line (none of which configures Grey) and bound the
/// logging filters from them, which a NativeAOT node paid for in resident memory (docs/BENCHMARKS.md, footprint).
/// </summary>
public sealed class EdgeHostTests
{
    [Fact]
    public void CreateBuilder_Always_ReadsNoAppSettingsEnvironmentOrCommandLine()
    {
        var builder = EdgeHost.CreateBuilder();

        // The empty builder keeps its own host defaults (content root, environment name) in memory; what must be
        // absent are the sources that read files, the environment or arguments.
        var sources = ((IConfigurationBuilder)builder.Configuration).Sources;
        Assert.DoesNotContain(sources, s => s is FileConfigurationSource);
        Assert.DoesNotContain(sources, s => s.GetType().Name.Contains("EnvironmentVariables", StringComparison.Ordinal));
        Assert.DoesNotContain(sources, s => s.GetType().Name.Contains("CommandLine", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateBuilder_Built_ServesWithKestrelAndLogsWarningsToTheConsole()
    {
        var builder = EdgeHost.CreateBuilder();
        await using var app = builder.Build();

        Assert.Contains("Kestrel", app.Services.GetRequiredService<IServer>().GetType().Name, StringComparison.Ordinal);
        Assert.Contains(app.Services.GetServices<ILoggerProvider>(), p => p is ConsoleLoggerProvider);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Grey.Edge.Test");
        Assert.True(logger.IsEnabled(LogLevel.Warning));
        Assert.False(logger.IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void NewSeed_TwoCalls_NonNegativeAndDifferent()
    {
        // 31 random bits each: equal by chance once in two billion runs.
        int a = EdgeHost.NewSeed();
        int b = EdgeHost.NewSeed();
        Assert.InRange(a, 0, int.MaxValue);
        Assert.InRange(b, 0, int.MaxValue);
        Assert.NotEqual(a, b);
    }
}
