using System.CommandLine;
using System.Text.Json;
using Grey.Ctl.Commands;
using Grey.Simulation.Fleet;

namespace Grey.Ctl.Tests.Commands;

public sealed class SimFleetCommandTests
{
    private static (int Rc, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int rc = Program.Run(args, o, e);
        return (rc, o.ToString(), e.ToString());
    }

    private static (int Rc, string Out, string Err) RunWith(SimFleetCommand.RunnerFactory factory, params string[] args)
    {
        var root = new RootCommand { SimFleetCommand.Create(factory) };
        ParseResult parse = root.Parse(["fleet", .. args]);
        Assert.Empty(parse.Errors);
        var o = new StringWriter();
        var e = new StringWriter();
        int rc = parse.Invoke(new InvocationConfiguration { Output = o, Error = e });
        return (rc, o.ToString(), e.ToString());
    }

    [Fact]
    public void SimFleet_SmallFleetAllChaos_ExitZeroReportWritten()
    {
        string report = Path.Combine(Path.GetTempPath(), $"grey-fleet-{Guid.NewGuid():N}.json");
        try
        {
            var (rc, stdout, stderr) = Run("sim", "fleet", "--sites", "3", "--regions", "2", "--duration", "30s", "--seed", "1", "--chaos", "all", "--broker", "sim", "--report", report);
            Assert.True(rc == 0, stdout + stderr);
            Assert.Contains("seed=1", stdout, StringComparison.Ordinal);
            Assert.Contains("seed 1 passed", stdout, StringComparison.Ordinal);
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(report));
            Assert.Equal(0, doc.RootElement.GetProperty("lost").GetInt64());
            Assert.True(doc.RootElement.GetProperty("converged").GetBoolean());
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Fact]
    public void SimFleet_Json_ExactlyOneObjectOnStdout()
    {
        var (rc, stdout, stderr) = Run("sim", "fleet", "--sites", "2", "--duration", "10s", "--seed", "4", "--chaos", "tamper,forge", "--broker", "sim", "--json");
        Assert.True(rc == 0, stdout + stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(4UL, doc.RootElement.GetProperty("seed").GetUInt64());
        Assert.Equal("sim", doc.RootElement.GetProperty("broker").GetString());
        Assert.Contains("seed=4", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SimFleet_SeedRange_OneRunPerSeed()
    {
        var (rc, stdout, stderr) = Run("sim", "fleet", "--sites", "2", "--regions", "2", "--duration", "10s", "--seed", "1-3", "--chaos", "all", "--broker", "sim", "--json");
        Assert.True(rc == 0, stdout + stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(3, doc.RootElement.GetProperty("seeds").GetInt32());
        Assert.Equal(3, doc.RootElement.GetProperty("reports").GetArrayLength());
        Assert.Contains("3 seeds (1-3), 3 passed, 0 failed", stderr, StringComparison.Ordinal);
    }

    // Sabotage through the command line: a fleet whose region merges duplicates must exit 1 and name the seed.
    [Fact]
    public void SimFleet_SabotagedRegion_ExitOneWithSeed()
    {
        var (rc, stdout, stderr) = RunWith(_ => new SimulatedFleetRunner(FleetSabotage.RegionMergesDuplicates),
            "--sites", "3", "--regions", "2", "--duration", "30s", "--seed", "5", "--chaos", "duplicate,uplink-outage", "--broker", "sim");
        Assert.True(rc == 1, stdout + stderr);
        Assert.Contains("FAILED seed 5", stdout, StringComparison.Ordinal);
        Assert.Contains("replay with: greyctl sim fleet --seed 5", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--broker", "kafka")]
    [InlineData("--chaos", "meteor")]
    [InlineData("--sites", "0")]
    [InlineData("--duration", "30")]
    [InlineData("--nodes-per-site", "9")]
    public void SimFleet_BadArgument_ExitTwo(string option, string value)
    {
        var args = new List<string> { "sim", "fleet", "--sites", "2", "--duration", "5s", "--seed", "1", "--broker", "sim" };
        int at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (rc, _, stderr) = Run([.. args]);
        Assert.Equal(2, rc);
        Assert.Contains("greyctl:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SimFleet_BrokerRestartWithExternalNats_RefusedClearly()
    {
        var (rc, _, stderr) = Run("sim", "fleet", "--sites", "2", "--duration", "5s", "--seed", "1", "--chaos", "broker-restart", "--broker", "nats", "--nats", "nats://127.0.0.1:4222");
        Assert.Equal(2, rc);
        Assert.Contains("broker-restart", stderr, StringComparison.Ordinal);
        Assert.Contains("external", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SimFleet_SeedRangeWithRealBroker_Refused()
    {
        var (rc, _, stderr) = Run("sim", "fleet", "--sites", "2", "--duration", "5s", "--seed", "1-2", "--broker", "nats");
        Assert.Equal(2, rc);
        Assert.Contains("seed range", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SimFleet_MissingRequired_ExitTwo()
    {
        var (rc, _, _) = Run("sim", "fleet", "--duration", "5s", "--seed", "1", "--broker", "sim");
        Assert.Equal(2, rc);
    }
}
