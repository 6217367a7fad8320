using Grey.Edge.Transport;

namespace Grey.Edge.Tests.Transport;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Delay_ConsecutiveFailures_DoublesWithinJitterUpToTheCap()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5), 0.5, new Random(7));
        for (var failures = 1; failures <= 40; failures++)
        {
            var nominal = Math.Min(5000, 50 * Math.Pow(2, Math.Min(failures - 1, 30)));
            var delay = backoff.Delay(failures).TotalMilliseconds;
            Assert.InRange(delay, nominal * 0.5, nominal);
        }
    }

    [Fact]
    public void Delay_SameSeed_SameSequence()
    {
        static double[] Run(int seed)
        {
            var b = new ReconnectBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5), 0.5, new Random(seed));
            return Enumerable.Range(1, 10).Select(f => b.Delay(f).TotalMilliseconds).ToArray();
        }

        Assert.Equal(Run(3), Run(3));
        Assert.NotEqual(Run(3), Run(4));
    }

    [Fact]
    public void Delay_NoJitter_ExactDoubling()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(70), 0, new Random(1));
        Assert.Equal([10, 20, 40, 70, 70], Enumerable.Range(1, 5).Select(f => backoff.Delay(f).TotalMilliseconds));
    }

    [Fact]
    public void Constructor_BadLimits_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectBackoff(TimeSpan.Zero, TimeSpan.FromSeconds(1), 0.5, new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectBackoff(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 0.5, new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 1.5, new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 0.5, new Random(1)).Delay(0));
    }
}
