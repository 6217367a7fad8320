using Grey.Region.Quotas;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Region.Tests.Quotas;

public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));

    private TokenBucket Bucket(double rate, double capacity, double maxDebt) => new(rate, capacity, maxDebt, _time.GetTimestamp(), _time.TimestampFrequency);

    [Fact]
    public void Charge_WithinCapacity_NoDelay()
    {
        TokenBucket b = Bucket(rate: 10, capacity: 20, maxDebt: 100);
        b.Charge(20, _time.GetTimestamp());
        Assert.Equal(TimeSpan.Zero, b.Delay(_time.GetTimestamp()));
        Assert.Equal(0, b.Level, 9);
    }

    [Fact]
    public void Charge_BeyondCapacity_DelayIsDebtOverRate()
    {
        TokenBucket b = Bucket(rate: 10, capacity: 20, maxDebt: 100);
        b.Charge(35, _time.GetTimestamp());
        Assert.Equal(-15, b.Level, 9);
        Assert.Equal(1.5, b.Delay(_time.GetTimestamp()).TotalSeconds, 6);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0.5, b.Delay(_time.GetTimestamp()).TotalSeconds, 6);
        _time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(TimeSpan.Zero, b.Delay(_time.GetTimestamp()));
    }

    [Fact]
    public void Refill_LongIdle_CappedAtCapacity()
    {
        TokenBucket b = Bucket(rate: 10, capacity: 20, maxDebt: 100);
        b.Charge(20, _time.GetTimestamp());
        _time.Advance(TimeSpan.FromHours(1));
        Assert.True(b.IsFull(_time.GetTimestamp()));
        b.Charge(21, _time.GetTimestamp());
        Assert.Equal(-1, b.Level, 9);
    }

    [Fact]
    public void Charge_HugeBurst_DebtCappedSoDelayIsBounded()
    {
        TokenBucket b = Bucket(rate: 10, capacity: 20, maxDebt: 50);
        b.Charge(1_000_000, _time.GetTimestamp());
        Assert.Equal(-50, b.Level, 9);
        Assert.Equal(5, b.Delay(_time.GetTimestamp()).TotalSeconds, 6);
    }

    [Fact]
    public void Refill_OlderTimestamp_DoesNotDrain()
    {
        TokenBucket b = Bucket(rate: 10, capacity: 20, maxDebt: 50);
        long earlier = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromSeconds(1));
        b.Charge(30, _time.GetTimestamp());
        Assert.Equal(-10, b.Level, 9);
        Assert.Equal(1, b.Delay(earlier).TotalSeconds, 6);
    }

    [Fact]
    public void Constructor_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Bucket(0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Bucket(1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Bucket(1, 1, -1));
    }
}
