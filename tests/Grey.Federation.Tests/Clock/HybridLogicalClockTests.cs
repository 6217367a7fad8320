using CsCheck;
using Grey.Federation.Clock;

namespace Grey.Federation.Tests.Clock;

public sealed class HybridLogicalClockTests
{
    private sealed class ManualTime(long ms) : TimeProvider
    {
        public long Ms { get; set; } = ms;

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Ms);
    }

    [Fact]
    public void Now_PhysicalTimeAdvances_TakesPhysicalTimeWithZeroLogical()
    {
        var time = new ManualTime(1_000);
        var clock = new HybridLogicalClock(time);
        Assert.Equal(new HlcTimestamp(1_000, 0), clock.Now());
        time.Ms = 1_005;
        Assert.Equal(new HlcTimestamp(1_005, 0), clock.Now());
    }

    [Fact]
    public void Now_PhysicalTimeStandsOrGoesBack_LogicalPartRises()
    {
        var time = new ManualTime(1_000);
        var clock = new HybridLogicalClock(time);
        clock.Now();
        time.Ms = 900;
        Assert.Equal(new HlcTimestamp(1_000, 1), clock.Now());
        Assert.Equal(new HlcTimestamp(1_000, 2), clock.Now());
    }

    [Fact]
    public void Now_LogicalPartOverflows_WallMovesOneMillisecondAhead()
    {
        var time = new ManualTime(1_000);
        var clock = new HybridLogicalClock(time);
        clock.MovePast(new HlcTimestamp(1_000, HlcTimestamp.MaxLogical));
        HlcTimestamp next = clock.Now();
        Assert.Equal(new HlcTimestamp(1_001, 0), next);
        Assert.True(next.IsValid);
    }

    [Fact]
    public void Receive_RemoteAheadBeyondBound_ReportsDriftAndStillAdvances()
    {
        var time = new ManualTime(1_000);
        var clock = new HybridLogicalClock(time, new HlcOptions { MaxDrift = TimeSpan.FromMilliseconds(100) });
        HlcUpdate u = clock.Receive(new HlcTimestamp(5_000, 3));
        Assert.True(u.DriftExceeded);
        Assert.Equal(TimeSpan.FromMilliseconds(4_000), u.Ahead);
        Assert.Equal(new HlcTimestamp(5_000, 4), u.Stamp);
        Assert.True(clock.Now() > u.Stamp);
    }

    [Fact]
    public void Receive_RemoteWithinBound_NoDriftReported()
    {
        var clock = new HybridLogicalClock(new ManualTime(1_000), new HlcOptions { MaxDrift = TimeSpan.FromMilliseconds(100) });
        HlcUpdate u = clock.Receive(new HlcTimestamp(1_050, 0));
        Assert.False(u.DriftExceeded);
        Assert.Equal(new HlcTimestamp(1_050, 1), u.Stamp);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => new HybridLogicalClock(TimeProvider.System, new HlcOptions { MaxDrift = TimeSpan.Zero }));
    }

    [Fact]
    public void Receive_OutOfRangeStamp_Throws()
    {
        var clock = new HybridLogicalClock(new ManualTime(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Receive(new HlcTimestamp(-1, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.MovePast(new HlcTimestamp(1, HlcTimestamp.MaxLogical + 1)));
    }

    // Property: across any interleaving of local events, sends, receives and physical-time moves (forward
    // and back), no clock ever issues a stamp below an earlier one, and every receive is above the send.
    [Fact]
    public void Clocks_AnyEventSequence_NeverGoBackwardsAndRespectCausality()
    {
        Gen.Select(Gen.Int[0, 3].Array[1, 200], Gen.Int[-50, 50].Array[200]).Sample((kinds, moves) =>
        {
            var times = new[] { new ManualTime(10_000), new ManualTime(10_300), new ManualTime(9_000) };
            var clocks = times.Select(t => new HybridLogicalClock(t)).ToArray();
            var last = new HlcTimestamp[3];
            for (int i = 0; i < kinds.Length; i++)
            {
                int a = i % 3, b = (i + 1) % 3;
                times[a].Ms = Math.Max(0, times[a].Ms + moves[i]);
                HlcTimestamp stamp;
                switch (kinds[i])
                {
                    case 0:
                    case 1:
                        stamp = clocks[a].Now();
                        break;
                    case 2:
                        HlcTimestamp sent = clocks[a].Now();
                        Assert.True(sent > last[a]);
                        last[a] = sent;
                        HlcTimestamp received = clocks[b].Receive(sent).Stamp;
                        Assert.True(received > sent, $"receive {received} not above send {sent}");
                        Assert.True(received > last[b]);
                        last[b] = received;
                        continue;
                    default:
                        stamp = clocks[a].Now();
                        break;
                }

                Assert.True(stamp > last[a], $"clock {a} went from {last[a]} to {stamp}");
                Assert.True(stamp.IsValid);
                last[a] = stamp;
            }
        }, iter: 300);
    }

    // Property: a log written by a succession of leaders whose clocks disagree (skews of minutes either
    // way) has stamps rising strictly with the index, when each new leader moves past its last entry.
    [Fact]
    public void MovePast_LeaderChangesUnderSkew_StampsRiseWithLogIndex()
    {
        Gen.Select(Gen.Int[-120_000, 120_000].Array[3], Gen.Int[0, 2].Array[1, 60], Gen.Int[1, 5].Array[60]).Sample((skews, leaders, counts) =>
        {
            var log = new List<HlcTimestamp>();
            long physical = 1_000_000;
            for (int term = 0; term < leaders.Length; term++)
            {
                var clock = new HybridLogicalClock(new ManualTime(physical + skews[leaders[term]]));
                if (log.Count > 0)
                {
                    clock.MovePast(log[^1]);
                }

                for (int k = 0; k < counts[term]; k++)
                {
                    log.Add(clock.Now());
                }

                physical += 10;
            }

            for (int i = 1; i < log.Count; i++)
            {
                Assert.True(log[i] > log[i - 1], $"index {i + 1}: {log[i]} not above {log[i - 1]}");
            }
        }, iter: 300);
    }

    [Fact]
    public void MovePast_WithoutIt_SkewedLeaderWouldStampLower()
    {
        // The control case for the property above: a lagging leader that skips MovePast stamps lower.
        var ahead = new HybridLogicalClock(new ManualTime(2_000_000));
        HlcTimestamp lastEntry = ahead.Now();
        var lagging = new HybridLogicalClock(new ManualTime(1_000_000));
        Assert.True(lagging.Now() < lastEntry);
        var moved = new HybridLogicalClock(new ManualTime(1_000_000));
        moved.MovePast(lastEntry);
        Assert.True(moved.Now() > lastEntry);
    }
}
