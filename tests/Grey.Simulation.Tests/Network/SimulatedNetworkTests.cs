using Grey.Simulation.Core;
using Grey.Simulation.Network;

namespace Grey.Simulation.Tests.Network;

public sealed class SimulatedNetworkTests
{
    private static (EventQueue Queue, SimulatedNetwork<int> Net, List<(ulong From, ulong To, int Msg, TimeSpan At)> Got) Make(NetworkFaults faults, ulong seed = 1)
    {
        var queue = new EventQueue(new VirtualClock());
        var got = new List<(ulong, ulong, int, TimeSpan)>();
        var net = new SimulatedNetwork<int>(queue, SeedDerivation.CreateRandom(seed, "net"), faults, (f, t, m) => got.Add((f, t, m, queue.Clock.Now)));
        return (queue, net, got);
    }

    private static void Drain(EventQueue queue)
    {
        while (queue.RunNext())
        {
        }
    }

    [Fact]
    public void Send_NoFaults_DeliversEveryMessageOnceWithinTheLatencyRange()
    {
        var (queue, net, got) = Make(NetworkFaults.None);
        for (int i = 0; i < 1000; i++)
        {
            net.Send(1, 2, i);
        }

        Drain(queue);
        Assert.Equal(Enumerable.Range(0, 1000), got.Select(g => g.Msg).Order());
        Assert.All(got, g => Assert.InRange(g.At, NetworkFaults.None.MinLatency, NetworkFaults.None.MaxLatency));
    }

    [Fact]
    public void Send_DropAll_DeliversNothing()
    {
        var (queue, net, got) = Make(NetworkFaults.None with { DropProbability = 1 });
        for (int i = 0; i < 100; i++)
        {
            net.Send(1, 2, i);
        }

        Drain(queue);
        Assert.Empty(got);
        Assert.Equal(100, net.Statistics.Dropped);
    }

    [Fact]
    public void Send_Duplication_DeliversSomeMessagesTwice()
    {
        var (queue, net, got) = Make(NetworkFaults.None with { DuplicateProbability = 0.3 });
        for (int i = 0; i < 1000; i++)
        {
            net.Send(1, 2, i);
        }

        Drain(queue);
        int twice = got.GroupBy(g => g.Msg).Count(g => g.Count() == 2);
        Assert.InRange(twice, 200, 400);
        Assert.Equal(twice, net.Statistics.Duplicated);
    }

    [Fact]
    public void Send_Reorder_LaterMessagesOvertakeEarlierOnes()
    {
        var (queue, net, got) = Make(NetworkFaults.None with { ReorderProbability = 0.2, MinLatency = TimeSpan.FromMilliseconds(1), MaxLatency = TimeSpan.FromMilliseconds(1) });
        for (int i = 0; i < 200; i++)
        {
            net.Send(1, 2, i);
        }

        Drain(queue);
        var order = got.Select(g => g.Msg).ToList();
        Assert.Equal(200, order.Count);
        Assert.NotEqual(Enumerable.Range(0, 200), order);
    }

    [Fact]
    public void Cut_OneDirection_BlocksOnlyThatDirectionUntilHealed()
    {
        var (queue, net, got) = Make(NetworkFaults.None);
        net.Cut(1, 2);
        net.Send(1, 2, 10);
        net.Send(2, 1, 20);
        Drain(queue);
        Assert.Equal([20], got.Select(g => g.Msg));

        net.Heal();
        net.Send(1, 2, 30);
        Drain(queue);
        Assert.Equal([20, 30], got.Select(g => g.Msg));
    }

    [Fact]
    public void Partition_Groups_BlockAcrossButNotWithin()
    {
        var (queue, net, got) = Make(NetworkFaults.None);
        net.Partition([[1, 2], [3]]);
        net.Send(1, 2, 1);
        net.Send(2, 3, 2);
        net.Send(3, 1, 3);
        Drain(queue);
        Assert.Equal([1], got.Select(g => g.Msg));
        Assert.Equal(2, net.Statistics.Partitioned);
    }

    [Fact]
    public void Send_SameSeed_SameDeliveries()
    {
        var faults = new NetworkFaults { DropProbability = 0.1, DuplicateProbability = 0.1, ReorderProbability = 0.2 };
        var (q1, n1, g1) = Make(faults, seed: 9);
        var (q2, n2, g2) = Make(faults, seed: 9);
        for (int i = 0; i < 500; i++)
        {
            n1.Send(1, 2, i);
            n2.Send(1, 2, i);
        }

        Drain(q1);
        Drain(q2);
        Assert.Equal(g1, g2);
    }

    [Fact]
    public void Faults_InvalidProbability_Throws()
    {
        var (_, net, _) = Make(NetworkFaults.None);
        Assert.Throws<ArgumentException>(() => net.Faults = NetworkFaults.None with { DropProbability = 1.5 });
    }
}
