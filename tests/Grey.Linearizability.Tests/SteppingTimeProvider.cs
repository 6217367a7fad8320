namespace Grey.Linearizability.Tests;

/// <summary>A clock that moves on by a fixed step every time it is read, so time budgets run out deterministically.</summary>
internal sealed class SteppingTimeProvider(TimeSpan step) : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
}
