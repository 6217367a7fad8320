namespace Grey.Ctl.Fleet;

/// <summary>
/// The system clock with an adjustable wall-clock offset: the fleet's clock-skew chaos moves one node's wall clock
/// ahead or back while it runs. Monotonic timestamps and timers are the system's (a skewed wall clock does not make
/// timeouts fire early), so only what reads the wall clock (the HLC, attestation validity) sees the skew.
/// </summary>
internal sealed class SkewableTimeProvider : TimeProvider
{
    private long _offsetTicks;

    /// <summary>The current offset.</summary>
    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <inheritdoc />
    public override long GetTimestamp() => System.GetTimestamp();

    /// <inheritdoc />
    public override long TimestampFrequency => System.TimestampFrequency;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime, period);

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;
}
