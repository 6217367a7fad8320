using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Tests.EdgeHarness;

public sealed class LatencyStatsTests
{
    [Fact]
    public void PercentileMs_HundredSamples_NearestRank()
    {
        // 1..100 ms in ticks of a 1 kHz clock, shuffled.
        long[] ticks = Enumerable.Range(1, 100).Select(i => (long)i).Reverse().ToArray();
        var stats = LatencyStats.FromTicks(ticks, 1000);
        Assert.Equal(50, stats.P50Ms);
        Assert.Equal(99, stats.P99Ms);
        Assert.Equal(100, stats.PercentileMs(100));
        Assert.Equal(1, stats.PercentileMs(0.5));
    }

    [Fact]
    public void PercentileMs_OneSample_IsThatSample()
    {
        var stats = LatencyStats.FromTicks([2_500], 1_000_000);
        Assert.Equal(2.5, stats.P50Ms);
        Assert.Equal(2.5, stats.P99Ms);
    }

    [Fact]
    public void PercentileMs_NoSamples_IsNaN() => Assert.True(double.IsNaN(LatencyStats.FromTicks([], 1000).P50Ms));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void PercentileMs_OutOfRange_Throws(double p) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyStats.FromTicks([1], 1000).PercentileMs(p));

    [Fact]
    public void FromTicks_NegativeLatency_Throws() => Assert.Throws<ArgumentException>(() => LatencyStats.FromTicks([-1], 1000));
}
