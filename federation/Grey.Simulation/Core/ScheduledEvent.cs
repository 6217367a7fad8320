namespace Grey.Simulation.Core;

/// <summary>
/// One action waiting in the <see cref="EventQueue"/>. It can be cancelled (a timer disposed, a node that
/// crashed); a cancelled event is skipped when its time comes and does not count as a step.
/// </summary>
internal sealed class ScheduledEvent
{
    public ScheduledEvent(TimeSpan dueTime, long sequence, Action action)
    {
        DueTime = dueTime;
        Sequence = sequence;
        Action = action;
    }

    /// <summary>When the event runs, in virtual time.</summary>
    public TimeSpan DueTime { get; }

    /// <summary>Insertion order; breaks ties between events due at the same instant, deterministically.</summary>
    public long Sequence { get; }

    /// <summary>What runs.</summary>
    public Action Action { get; }

    /// <summary>True once cancelled; the queue then drops the event without running it.</summary>
    public bool IsCancelled { get; private set; }

    /// <summary>Cancels the event if it has not run yet.</summary>
    public void Cancel() => IsCancelled = true;
}
