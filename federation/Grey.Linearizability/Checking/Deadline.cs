namespace Grey.Linearizability.Checking;

/// <summary>The time budget of one check, read from an injected clock; <see cref="None"/> never passes.</summary>
internal sealed class Deadline
{
    private readonly TimeProvider? _clock;
    private readonly long _start;
    private readonly TimeSpan _budget;

    private Deadline(TimeProvider? clock, TimeSpan budget)
    {
        _clock = clock;
        _budget = budget;
        _start = clock?.GetTimestamp() ?? 0;
    }

    public static Deadline None { get; } = new(null, TimeSpan.MaxValue);

    public TimeSpan Budget => _budget;

    public static Deadline Start(TimeProvider clock, TimeSpan budget) => new(clock, budget);

    public bool HasPassed() => _clock is not null && _clock.GetElapsedTime(_start) >= _budget;
}
