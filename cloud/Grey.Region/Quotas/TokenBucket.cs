namespace Grey.Region.Quotas;

/// <summary>
/// A token bucket that may go into debt: it refills at <c>rate</c> tokens per second up to <c>capacity</c>, every
/// charge is taken whole (data is never refused, so a charge can drive the level below zero), and the debt is capped
/// at <c>maxDebt</c>. <see cref="Delay"/> is how long until the level is back at zero. Pure: time is passed in as
/// timestamps of the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class TokenBucket
{
    /// <summary>Tokens of rounding error tolerated when judging whether the bucket is out of debt.</summary>
    private const double Epsilon = 1e-9;

    private readonly double _rate;
    private readonly double _capacity;
    private readonly double _maxDebt;
    private readonly long _frequency;
    private double _level;
    private long _at;

    /// <summary>A full bucket at <paramref name="timestamp"/>.</summary>
    public TokenBucket(double rate, double capacity, double maxDebt, long timestamp, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDebt);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timestampFrequency);
        _rate = rate;
        _capacity = capacity;
        _maxDebt = maxDebt;
        _frequency = timestampFrequency;
        _level = capacity;
        _at = timestamp;
    }

    /// <summary>The level at the last update (negative: debt).</summary>
    public double Level => _level;

    /// <summary>Whether the bucket is full at <paramref name="timestamp"/> (it then carries no information and may be forgotten).</summary>
    public bool IsFull(long timestamp)
    {
        Refill(timestamp);
        return _level >= _capacity;
    }

    /// <summary>Takes <paramref name="amount"/> tokens at <paramref name="timestamp"/>, going into debt (capped) when short.</summary>
    public void Charge(double amount, long timestamp)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        Refill(timestamp);
        _level = Math.Max(_level - amount, -_maxDebt);
    }

    /// <summary>Time from <paramref name="timestamp"/> until the level is back at zero; zero when not in debt.</summary>
    public TimeSpan Delay(long timestamp)
    {
        Refill(timestamp);
        // A level a rounding error below zero counts as zero, so an ack is due exactly when the refill says so.
        return _level >= -Epsilon ? TimeSpan.Zero : TimeSpan.FromSeconds(-_level / _rate);
    }

    private void Refill(long timestamp)
    {
        // A timestamp older than the last update (callers interleaving) refills nothing rather than draining.
        if (timestamp > _at)
        {
            double seconds = (timestamp - _at) / (double)_frequency;
            _level = Math.Min(_capacity, _level + (seconds * _rate));
            _at = timestamp;
        }
    }
}
