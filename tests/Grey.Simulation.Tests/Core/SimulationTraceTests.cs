using Grey.Simulation.Core;

namespace Grey.Simulation.Tests.Core;

public sealed class SimulationTraceTests
{
    [Fact]
    public void Hash_SameEvents_SameHash_DifferentEvent_DifferentHash()
    {
        var a = new SimulationTrace();
        var b = new SimulationTrace();
        var c = new SimulationTrace();
        foreach (var t in new[] { a, b, c })
        {
            t.Record(TimeSpan.FromMilliseconds(1), "Append", 1, 2, 3, 4);
        }

        a.Record(TimeSpan.FromMilliseconds(2), "crash", 0, 0, note: "n1");
        b.Record(TimeSpan.FromMilliseconds(2), "crash", 0, 0, note: "n1");
        c.Record(TimeSpan.FromMilliseconds(2), "crash", 0, 0, note: "n2");

        Assert.Equal(a.Hash, b.Hash);
        Assert.NotEqual(a.Hash, c.Hash);
    }

    [Fact]
    public void Recent_MoreEventsThanCapacity_KeepsTheLastOnesInOrder()
    {
        var trace = new SimulationTrace(capacity: 4);
        for (int i = 0; i < 10; i++)
        {
            trace.Record(TimeSpan.FromMilliseconds(i), "e", (ulong)i, 0);
        }

        var recent = trace.Recent(100);
        Assert.Equal(4, recent.Count);
        Assert.StartsWith("6.000ms n6", recent[0], StringComparison.Ordinal);
        Assert.StartsWith("9.000ms n9", recent[3], StringComparison.Ordinal);
    }

    [Fact]
    public void RecentNotable_KeepsNotedEventsPushedOutOfTheMainRing()
    {
        var trace = new SimulationTrace(capacity: 4);
        trace.Record(TimeSpan.FromMilliseconds(1), "crash", 0, 0, note: "n2");
        for (int i = 0; i < 10; i++)
        {
            trace.Record(TimeSpan.FromMilliseconds(2 + i), "Append", 1, 2);
        }

        Assert.DoesNotContain(trace.Recent(10), line => line.Contains("crash", StringComparison.Ordinal));
        Assert.Single(trace.RecentNotable(10), line => line.Contains("sim crash n2", StringComparison.Ordinal));
    }
}
