namespace Grey.Simulation.Core;

/// <summary>
/// A <see cref="TimeProvider"/> over the simulation's virtual time, optionally skewed: this node's clock
/// reads <c>offset + rate × virtual time</c>, and its timers fire when its own clock has advanced by their
/// period. Components that take a <see cref="TimeProvider"/> (every product component outside the Raft
/// core) therefore run unchanged inside the simulator, each on its own drifting clock.
/// </summary>
/// <remarks>
/// The rate is in parts per million of true virtual time (1,000,000 = no drift), kept integral so runs
/// replay bit for bit. Changing the rate keeps the local clock continuous; a timer already armed keeps
/// the virtual due time it was given, and a periodic timer takes the new rate at its next period.
/// </remarks>
internal sealed class SimulationTimeProvider : TimeProvider
{
    /// <summary>The wall-clock instant virtual time zero maps to; fixed, so runs replay.</summary>
    public static readonly DateTimeOffset Epoch = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A rate of one: the clock runs exactly with virtual time.</summary>
    public const long ExactRatePpm = 1_000_000;

    /// <summary>The slowest rate allowed (a clock at half speed); slower clocks are misconfiguration.</summary>
    public const long MinRatePpm = 500_000;

    /// <summary>The fastest rate allowed (a clock at double speed).</summary>
    public const long MaxRatePpm = 2_000_000;

    private long anchorVirtualTicks;
    private long anchorLocalTicks;

    /// <summary>Creates a provider; <paramref name="offset"/> and <paramref name="ratePpm"/> skew its clock.</summary>
    public SimulationTimeProvider(EventQueue queue, TimeSpan offset = default, long ratePpm = ExactRatePpm)
    {
        ArgumentNullException.ThrowIfNull(queue);
        Queue = queue;
        CheckRate(ratePpm);
        RatePpm = ratePpm;
        anchorVirtualTicks = queue.Clock.Now.Ticks;
        anchorLocalTicks = queue.Clock.Now.Ticks + offset.Ticks;
    }

    /// <summary>The queue whose virtual time this provider reads and whose events its timers are.</summary>
    public EventQueue Queue { get; }

    /// <summary>The current rate, parts per million of virtual time.</summary>
    public long RatePpm { get; private set; }

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>This clock's elapsed time since the epoch (virtual time, skewed).</summary>
    public TimeSpan LocalNow => TimeSpan.FromTicks(ToLocalTicks(Queue.Clock.Now.Ticks));

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => Epoch + LocalNow;

    /// <inheritdoc/>
    public override long GetTimestamp() => ToLocalTicks(Queue.Clock.Now.Ticks);

    /// <summary>Changes the clock's rate from now on, keeping its reading continuous.</summary>
    public void SetRate(long ratePpm)
    {
        CheckRate(ratePpm);
        long now = Queue.Clock.Now.Ticks;
        anchorLocalTicks = ToLocalTicks(now);
        anchorVirtualTicks = now;
        RatePpm = ratePpm;
    }

    /// <summary>Jumps the clock by <paramref name="step"/> (an NTP step); the clock may go back.</summary>
    public void Step(TimeSpan step) => anchorLocalTicks += step.Ticks;

    /// <summary>The virtual duration in which this clock advances by <paramref name="local"/>.</summary>
    public TimeSpan ToVirtualDuration(TimeSpan local)
    {
        if (local <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // Rounded up, so a timer never fires before its own clock has advanced by its full period.
        long ticks = (long)(((Int128)local.Ticks * ExactRatePpm + RatePpm - 1) / RatePpm);
        return TimeSpan.FromTicks(ticks);
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private long ToLocalTicks(long virtualTicks) =>
        anchorLocalTicks + (long)((Int128)(virtualTicks - anchorVirtualTicks) * RatePpm / ExactRatePpm);

    private static void CheckRate(long ratePpm)
    {
        if (ratePpm < MinRatePpm || ratePpm > MaxRatePpm)
        {
            throw new ArgumentOutOfRangeException(nameof(ratePpm), ratePpm, $"a clock rate must lie in [{MinRatePpm}, {MaxRatePpm}] ppm");
        }
    }
}
