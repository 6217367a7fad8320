namespace Grey.Simulation.Core;

/// <summary>
/// A timer of a <see cref="SimulationTimeProvider"/>: an event in the simulation's queue, re-armed for
/// periodic timers. Callbacks run inline on the simulation's single logical thread.
/// </summary>
internal sealed class VirtualTimer : ITimer
{
    /// <summary>
    /// The shortest period a periodic timer may have. A zero period would re-arm at the same instant forever;
    /// anything shorter than a microsecond is treated as a microsecond.
    /// </summary>
    public static readonly TimeSpan MinPeriod = TimeSpan.FromMicroseconds(1);

    private readonly SimulationTimeProvider provider;
    private readonly TimerCallback callback;
    private readonly object? state;
    private ScheduledEvent? pending;
    private TimeSpan period = Timeout.InfiniteTimeSpan;
    private bool disposed;

    public VirtualTimer(SimulationTimeProvider provider, TimerCallback callback, object? state)
    {
        this.provider = provider;
        this.callback = callback;
        this.state = state;
    }

    /// <summary>Times the callback has run.</summary>
    public long Fired { get; private set; }

    /// <inheritdoc/>
    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (disposed)
        {
            return false;
        }

        pending?.Cancel();
        pending = null;
        this.period = period;
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Arm(dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
        }

        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        disposed = true;
        pending?.Cancel();
        pending = null;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Arm(TimeSpan localDelay) =>
        pending = provider.Queue.Schedule(provider.ToVirtualDuration(localDelay), Fire);

    private void Fire()
    {
        pending = null;
        if (period != Timeout.InfiniteTimeSpan && period > TimeSpan.Zero)
        {
            // Re-arm before the callback, so a callback that calls Change or Dispose wins.
            Arm(period < MinPeriod ? MinPeriod : period);
        }

        Fired++;
        callback(state);
    }
}
