namespace Grey.Simulation.Core;

/// <summary>
/// The heart of the simulator: a priority queue of actions ordered by virtual due time, then by insertion
/// order, so a run is a pure function of its seed. Running an event first moves the shared
/// <see cref="VirtualClock"/> to the event's due time. Nothing runs on a real thread or waits on a real clock.
/// </summary>
internal sealed class EventQueue
{
    /// <summary>
    /// The most events that may wait at once. A run that exceeds it has a runaway producer (a message storm,
    /// a timer re-arming itself at zero delay), which is a broken invariant of the simulation, not a fault
    /// to inject, so scheduling beyond it throws.
    /// </summary>
    public const int MaxPendingEvents = 1_000_000;

    private readonly PriorityQueue<ScheduledEvent, (long Due, long Sequence)> queue = new();
    private long nextSequence;

    public EventQueue(VirtualClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        Clock = clock;
    }

    /// <summary>The clock this queue drives.</summary>
    public VirtualClock Clock { get; }

    /// <summary>Events waiting, cancelled ones included until their time comes.</summary>
    public int Count => queue.Count;

    /// <summary>Events run so far (cancelled events are not counted).</summary>
    public long EventsRun { get; private set; }

    /// <summary>Schedules <paramref name="action"/> to run <paramref name="delay"/> from now (zero: after the events already due now).</summary>
    public ScheduledEvent Schedule(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "an event cannot be scheduled in the past");
        }

        if (queue.Count >= MaxPendingEvents)
        {
            throw new InvalidOperationException($"more than {MaxPendingEvents} pending simulation events: a runaway producer");
        }

        var scheduled = new ScheduledEvent(Clock.Now + delay, nextSequence++, action);
        queue.Enqueue(scheduled, (scheduled.DueTime.Ticks, scheduled.Sequence));
        return scheduled;
    }

    /// <summary>The due time of the next live event, or null when none waits.</summary>
    public TimeSpan? PeekTime()
    {
        while (queue.TryPeek(out var next, out _))
        {
            if (!next.IsCancelled)
            {
                return next.DueTime;
            }

            queue.Dequeue();
        }

        return null;
    }

    /// <summary>
    /// Runs the next live event, moving the clock to its due time. Returns false when no event waits or
    /// the next one is due after <paramref name="until"/> (the clock then moves to <paramref name="until"/>
    /// when it is finite and later than now).
    /// </summary>
    public bool RunNext(TimeSpan until)
    {
        TimeSpan? due = PeekTime();
        if (due is null || due.Value > until)
        {
            if (until != TimeSpan.MaxValue && until > Clock.Now)
            {
                Clock.AdvanceTo(until);
            }

            return false;
        }

        var next = queue.Dequeue();
        Clock.AdvanceTo(next.DueTime);
        EventsRun++;
        next.Action();
        return true;
    }

    /// <summary>Runs the next live event whenever it is due. Returns false when none waits.</summary>
    public bool RunNext() => RunNext(TimeSpan.MaxValue);
}
