using CsCheck;
using Grey.Federation.Clock;
using Grey.Federation.Operations;
using Grey.Federation.State;

namespace Grey.Federation.Tests.State;

/// <summary>
/// Incremental region deltas (<see cref="RegionState.TakeChanges"/>): a peer that joins every change set ends with
/// exactly the state a peer joining the whole state gets (G5), over random operations of every kind, joins of
/// foreign states and progress rows. CsCheck prints the seed of a failing case.
/// </summary>
public sealed class RegionStateChangesTests
{
    private static readonly Gen<(int Kind, int Site, int Key, int Node, int Wall, int Value, int Amount)> OpSpec =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, 1], Gen.Int[0, 9], Gen.Int[0, 3], Gen.Int[1, 4]);

    private static readonly Gen<(int Kind, int Site, int Key, int Node, int Wall, int Value, int Amount)[][]> Rounds =
        OpSpec.Array[0, 20].Array[1, 5];

    [Fact]
    public void TakeChanges_EveryRoundJoined_PeerEqualsWholeStateJoin()
    {
        Gen.Select(RegionStateJoinTests.States, RegionStateJoinTests.States, Rounds).Sample((peerStart, foreign, rounds) =>
        {
            var source = new RegionState();
            source.TrackChanges();
            RegionState incremental = peerStart.Clone();
            for (int r = 0; r < rounds.Length; r++)
            {
                RegionStateJoinTests.ApplySpecs(source, rounds[r]);
                if (r == 1)
                {
                    // What the source learns from another region is forwarded too (three regions converge).
                    source.Join(foreign);
                }

                incremental.Join(source.TakeChanges());
                Assert.Equal(0, source.PendingChangeCount);

                RegionState whole = peerStart.Clone();
                whole.Join(source);
                Assert.Equal(whole.ComputeHash(), incremental.ComputeHash());
            }
        });
    }

    [Fact]
    public void TakeChanges_OnlyTouchedEntries_SmallerThanState()
    {
        var source = new RegionState();
        source.TrackChanges();
        for (int i = 0; i < 100; i++)
        {
            source.Apply("site-a", 1, Operation.Put("k" + i, [1], new HlcTimestamp(i + 1, 0), "n1"));
        }

        _ = source.TakeChanges();
        source.Apply("site-a", 1, Operation.Put("k7", [2], new HlcTimestamp(500, 0), "n1"));
        source.AdvanceProgress("site-a", 1, 101, new byte[32]);

        RegionState part = source.TakeChanges();

        Assert.Equal(1, part.RegisterCount);
        Assert.True(part.TryGetRegister("site-a", "k7", out Register k7));
        Assert.Equal(new byte[] { 2 }, k7.Value.ToArray());
        Assert.Single(part.Progress);
        Assert.Equal(0, source.TakeChanges().RegisterCount);
    }

    [Fact]
    public void Join_StateThatChangesNothing_ReportsNoChange()
    {
        RegionStateJoinTests.States.Sample(other =>
        {
            // Two regions must not send each other the same entries forever: a join that changes nothing is silent.
            var a = new RegionState();
            a.Join(other);
            a.TrackChanges();
            a.Join(other);
            Assert.Equal(0, a.PendingChangeCount);
        });
    }

    [Fact]
    public void TakeChanges_OneTouchedKeyDropped_PeerDiverges()
    {
        // Sabotage: an export that leaves out one touched key must leave the peer different from the source.
        var source = new RegionState();
        source.TrackChanges();
        source.Apply("site-a", 1, Operation.Put("k1", [1], new HlcTimestamp(1, 0), "n1"));
        source.Apply("site-a", 1, Operation.CounterAdd("shared/c", 3, new HlcTimestamp(2, 0), "n1"));
        var peer = new RegionState();
        peer.Join(source.TakeChanges());
        Assert.Equal(source.ComputeHash(), peer.ComputeHash());

        source.Apply("site-a", 1, Operation.Put("k1", [2], new HlcTimestamp(3, 0), "n1"));
        source.Apply("site-a", 1, Operation.Put("k2", [3], new HlcTimestamp(4, 0), "n1"));
        source.Apply("site-a", 1, Operation.CounterAdd("shared/c", 1, new HlcTimestamp(5, 0), "n1"));
        RegionState part = source.TakeChanges();
        var sabotaged = new RegionState();
        foreach (var (sk, reg) in part.Registers.Where(r => r.Key.Key != "k1"))
        {
            sabotaged.WriteRegister(sk, reg);
        }

        foreach (var (sk, slots) in part.Counters)
        {
            foreach (var (slot, totals) in slots)
            {
                sabotaged.AddCounterTotals(sk, slot, totals);
            }
        }

        RegionState honest = peer.Clone();
        honest.Join(part);
        peer.Join(sabotaged);

        Assert.Equal(source.ComputeHash(), honest.ComputeHash());
        Assert.NotEqual(source.ComputeHash(), peer.ComputeHash());
    }

    [Fact]
    public void TakeChanges_NotTracking_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new RegionState().TakeChanges());
    }
}
