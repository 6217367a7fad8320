using System.Diagnostics;
using Grey.Edge.StateMachine;
using Grey.Edge.Tests.Desired;
using Grey.Federation.Clock;
using Grey.Raft;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.StateMachine;

/// <summary>The frozen copy a node encodes its snapshot from off the loop (SiteStateMachine.Fork.cs).</summary>
public class SiteStateMachineForkTests(ITestOutputHelper output)
{
    private const string Site = "site-f";
    private readonly DesiredTestKit kit = new();
    private ulong index;

    private SiteStateMachine NewMachine()
    {
        var m = new SiteStateMachine(Site);
        m.KeepSiteState();
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.Epoch, Epoch: 77))));
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.MemberApi, NodeId: 2, ApiAddress: "http://127.0.0.1:8002"))));
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.MemberPeer, NodeId: 4, PeerAddress: "127.0.0.1:7004"))));
        return m;
    }

    private void Run(SiteStateMachine m, Command c) =>
        m.Apply(new Entry(1, ++index, EntryKind.Data, CommandCodec.Encode(c with { Origin = "n1", Stamp = new HlcTimestamp(1_764_000_000_000 + (long)index, 0) })));

    private void Ack(SiteStateMachine m, ulong through) =>
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.RegionAck, Epoch: 77, Region: "eu-1", AckIndex: through, ChainHash: Enumerable.Repeat((byte)7, 32).ToArray()))));

    // Every kind of state the snapshot holds: values, counters, sets, a desired change and its mark, an ack, a member peer.
    private void Fill(SiteStateMachine m, int round)
    {
        Run(m, new Command { Kind = CommandKind.Put, Key = "v/" + round, Value = new byte[] { (byte)round, 1, 2 } });
        Run(m, new Command { Kind = CommandKind.Put, Key = "v/shared", Value = new byte[] { (byte)round } });
        Run(m, new Command { Kind = CommandKind.CounterAdd, Key = "c/shared", Amount = round + 1 });
        Run(m, new Command { Kind = CommandKind.SetAdd, Key = "s/shared", Element = "m" + round });
        Run(m, new Command { Kind = CommandKind.SetRemove, Key = "s/shared", Element = "m" + (round - 2) });
        Run(m, new Command { Kind = CommandKind.Delete, Key = "v/" + (round - 3) });
        Run(m, new Command { Kind = CommandKind.Desired, Key = "desired/d", Value = kit.Change(Site, (ulong)round + 1, "desired/d", "x" + round).Encode() });
        Ack(m, index - 2);
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.MemberPeer, NodeId: 10 + (ulong)round, PeerAddress: "127.0.0.1:" + (7010 + round)))));
    }

    [Fact]
    public void Fork_EncodesExactlyAsTheMachine_AndLaterAppliesDoNotReachIt()
    {
        var m = NewMachine();
        for (var round = 0; round < 6; round++)
        {
            Fill(m, round);
        }

        var fork = m.ForkForSnapshot();
        var expected = m.Snapshot();
        Assert.Equal(expected, fork.Snapshot());

        // The machine goes on changing every kind of state; the copy must not see any of it.
        for (var round = 6; round < 12; round++)
        {
            Fill(m, round);
        }

        Assert.Equal(expected, fork.Snapshot());
        Assert.NotEqual(expected, m.Snapshot());
        Assert.True(SiteStateMachine.TryRestore(Site, fork.Snapshot(), out var restored, out var error), error);
        Assert.Equal(expected, restored.Snapshot());
    }

    [Fact]
    public void Fork_OfAMachineWithoutSiteState_EncodesExactlyAsTheMachine()
    {
        var m = new SiteStateMachine(Site);
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.Epoch, Epoch: 5))));
        Run(m, new Command { Kind = CommandKind.Put, Key = "k", Value = new byte[] { 1 } });
        Assert.Equal(m.Snapshot(), m.ForkForSnapshot().Snapshot());
    }

    [Fact]
    public void Fork_OfALargeState_TakesAFractionOfTheEncoding()
    {
        // Not a timed assertion (the machine is shared and noisy): it prints both costs for the record.
        var m = NewMachine();
        var value = new byte[256];
        for (var i = 0; i < 8_192; i++)
        {
            Run(m, new Command { Kind = CommandKind.Put, Key = "bench/c" + (i % 32) + "/k" + (i / 32), Value = value });
        }

        for (var r = 0; r < 3; r++)
        {
            // A running node's state is old (gen2); a state built just now would be copied by the first collection.
            GC.Collect();
            var watch = Stopwatch.StartNew();
            var fork = m.ForkForSnapshot();
            var forked = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            var bytes = fork.Snapshot(0);
            var encoded = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            _ = m.SiteState!.Clone();
            output.WriteLine($"8,192 keys: fork {forked:F1} ms (of which the site state {watch.Elapsed.TotalMilliseconds:F1} ms), encode {encoded:F1} ms ({bytes.Length} bytes)");
            Assert.Equal(m.Snapshot(), bytes.ToArray());
        }
    }
}
