namespace Grey.Edge.Node;

/// <summary>
/// A fixed-bucket latency histogram in the Prometheus style (cumulative buckets, sum, count). Thread-safe
/// with interlocked counters; the bucket bounds are fixed, so memory is constant.
/// </summary>
internal sealed class LatencyHistogram
{
    /// <summary>Upper bounds of the buckets, in seconds.</summary>
    public static readonly double[] Bounds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly long[] counts = new long[Bounds.Length + 1];
    private long sumTicks;

    /// <summary>Records one observation.</summary>
    public void Observe(TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        var i = 0;
        while (i < Bounds.Length && seconds > Bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref counts[i]);
        Interlocked.Add(ref sumTicks, elapsed.Ticks);
    }

    /// <summary>Observations so far.</summary>
    public long Count => counts.Sum(c => Interlocked.Read(ref c));

    /// <summary>Sum of the observations, in seconds.</summary>
    public double SumSeconds => TimeSpan.FromTicks(Interlocked.Read(ref sumTicks)).TotalSeconds;

    /// <summary>Cumulative counts per bound (the last is +Inf).</summary>
    public long[] Cumulative()
    {
        var result = new long[counts.Length];
        long running = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            running += Interlocked.Read(ref counts[i]);
            result[i] = running;
        }

        return result;
    }
}
