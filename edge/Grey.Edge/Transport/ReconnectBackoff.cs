namespace Grey.Edge.Transport;

/// <summary>
/// Jittered exponential back-off between dial attempts: the n-th consecutive failure waits
/// min(<see cref="MaxDelay"/>, <see cref="InitialDelay"/> * 2^n), shortened by a random fraction of up to
/// <see cref="Jitter"/> so that the nodes of a site that lost their network at once do not redial in step.
/// The random source is injected and seeded, so a run replays.
/// </summary>
internal sealed class ReconnectBackoff
{
    /// <summary>Doublings stop here; with any sane initial delay the cap is reached long before.</summary>
    internal const int MaxDoublings = 30;

    private readonly Random random;
    private readonly Lock gate = new();

    public ReconnectBackoff(TimeSpan initialDelay, TimeSpan maxDelay, double jitter, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initialDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, initialDelay);
        if (jitter is < 0 or > 1 || double.IsNaN(jitter))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "jitter is a fraction in [0, 1]");
        }

        ArgumentNullException.ThrowIfNull(random);
        InitialDelay = initialDelay;
        MaxDelay = maxDelay;
        Jitter = jitter;
        this.random = random;
    }

    /// <summary>The delay after the first failure, before jitter.</summary>
    public TimeSpan InitialDelay { get; }

    /// <summary>The longest delay, before jitter.</summary>
    public TimeSpan MaxDelay { get; }

    /// <summary>The largest fraction by which a delay is shortened at random.</summary>
    public double Jitter { get; }

    /// <summary>The delay after <paramref name="failures"/> consecutive failures (1 = the first).</summary>
    public TimeSpan Delay(int failures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        var doublings = Math.Min(failures - 1, MaxDoublings);
        var ticks = Math.Min((double)MaxDelay.Ticks, InitialDelay.Ticks * Math.Pow(2, doublings));
        double draw;
        lock (gate)
        {
            // Random is not thread-safe and every dial loop of the transport shares this one.
            draw = random.NextDouble();
        }

        return TimeSpan.FromTicks((long)(ticks * (1 - (Jitter * draw))));
    }
}
