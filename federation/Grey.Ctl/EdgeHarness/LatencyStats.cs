namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// Percentiles of a set of latencies, by the nearest-rank method (the smallest sample with at least p% of
/// the samples at or below it), so every reported value is a latency that was actually observed.
/// </summary>
internal sealed class LatencyStats
{
    private readonly double[] _sortedMs;

    private LatencyStats(double[] sortedMs) => _sortedMs = sortedMs;

    public int Count => _sortedMs.Length;

    /// <summary>Builds the statistics from latencies in <see cref="TimeProvider.GetTimestamp"/> ticks.</summary>
    public static LatencyStats FromTicks(IEnumerable<long> ticks, long ticksPerSecond)
    {
        ArgumentNullException.ThrowIfNull(ticks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ticksPerSecond);
        double[] ms = ticks.Select(t => t < 0 ? throw new ArgumentException("a latency is negative", nameof(ticks)) : t * 1000.0 / ticksPerSecond).ToArray();
        Array.Sort(ms);
        return new LatencyStats(ms);
    }

    /// <summary>The <paramref name="percent"/>th percentile in milliseconds (NaN with no samples).</summary>
    public double PercentileMs(double percent)
    {
        if (percent is <= 0 or > 100 || double.IsNaN(percent))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "a percentile lies in (0, 100]");
        }

        if (_sortedMs.Length == 0)
        {
            return double.NaN;
        }

        int rank = (int)Math.Ceiling(percent / 100.0 * _sortedMs.Length);
        return _sortedMs[Math.Clamp(rank, 1, _sortedMs.Length) - 1];
    }

    public double P50Ms => PercentileMs(50);

    public double P99Ms => PercentileMs(99);
}
