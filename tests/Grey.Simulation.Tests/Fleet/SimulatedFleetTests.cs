using Grey.Simulation.Fleet;
using Xunit.Abstractions;

namespace Grey.Simulation.Tests.Fleet;

public sealed class SimulatedFleetTests(ITestOutputHelper output)
{
    private static FleetOptions Small(ulong seed, ChaosClass chaos = ChaosClass.All, int sites = 3, int regions = 2, int seconds = 30) => new()
    {
        Sites = sites,
        Regions = regions,
        Duration = TimeSpan.FromSeconds(seconds),
        Seed = seed,
        Chaos = chaos,
        Broker = FleetBroker.Sim,
    };

    private FleetRunResult Run(FleetOptions options, FleetSabotage sabotage = FleetSabotage.None)
    {
        using var fleet = new SimulatedFleet(options, sabotage);
        FleetRunResult r = fleet.Run();
        output.WriteLine($"seed={options.Seed} trace={r.TraceHash:x16} events={r.Events} wall={r.WallTime.TotalSeconds:0.00}s");
        output.WriteLine(r.Report.Summary());
        foreach (string n in r.Notes)
        {
            output.WriteLine("note: " + n);
        }

        return r;
    }

    [Fact]
    public void Run_OneSeedAllChaos_Passes()
    {
        FleetRunResult r = Run(Small(1));
        Assert.True(r.Report.Passed, r.Report.Summary());
        Assert.True(r.Report.Committed > 100, $"only {r.Report.Committed} committed");
    }

    [Fact]
    public void Run_TenSeeds_Timing()
    {
        for (ulong seed = 1; seed <= 10; seed++)
        {
            FleetRunResult r = Run(Small(seed));
            Assert.True(r.Report.Passed, r.Report.Summary());
        }
    }
}
