using Grey.Ctl.Fleet;
using Grey.Simulation.Fleet;

namespace Grey.Ctl.Tests.Fleet;

public sealed class ChaosScheduleTests
{
    private static FleetOptions Options(ulong seed, ChaosClass chaos) => new()
    {
        Sites = 20, NodesPerSite = 3, Duration = TimeSpan.FromSeconds(30), Seed = seed, Chaos = chaos, Broker = FleetBroker.Nats,
    };

    [Fact]
    public void Plan_SameSeed_SameEvents() =>
        Assert.Equal(ChaosSchedule.Plan(Options(7, ChaosClass.All)), ChaosSchedule.Plan(Options(7, ChaosClass.All)));

    [Fact]
    public void Plan_OtherSeed_OtherEvents() =>
        Assert.NotEqual(ChaosSchedule.Plan(Options(7, ChaosClass.All)), ChaosSchedule.Plan(Options(8, ChaosClass.All)));

    [Fact]
    public void Plan_All_EveryClassWithinTheWindowAndBounds()
    {
        IReadOnlyList<ChaosEvent> plan = ChaosSchedule.Plan(Options(3, ChaosClass.All));
        foreach ((ChaosClass c, string name) in ChaosClasses.Names)
        {
            Assert.True(plan.Any(e => e.Class == c), name + " has no event");
        }

        Assert.All(plan, e =>
        {
            Assert.InRange(e.At, TimeSpan.Zero, TimeSpan.FromSeconds(30 * 0.7));
            Assert.InRange(e.Site, 0, 19);
            Assert.InRange(e.Node, 0, 2);
            Assert.True(e.Length <= ChaosSchedule.MaxFaultLength);
            Assert.True(Math.Abs(e.Skew.TotalSeconds) <= ChaosSchedule.MaxSkew.TotalSeconds);
        });
        Assert.Equal(plan.OrderBy(e => e.At), plan);
    }

    [Fact]
    public void Plan_None_NoEvent() => Assert.Empty(ChaosSchedule.Plan(Options(3, ChaosClass.None)));

    [Fact]
    public void Plan_OneClass_OnlyThatClass() =>
        Assert.All(ChaosSchedule.Plan(Options(5, ChaosClass.Tamper)), e => Assert.Equal(ChaosClass.Tamper, e.Class));
}
