namespace Grey.Simulation.Core;

/// <summary>
/// The one clock of a simulation: virtual time in <see cref="TimeSpan"/> ticks (100 ns) since the start of
/// the run. Only the <see cref="EventQueue"/> moves it, and only forward, so every component that reads it
/// sees the same instant while one event runs.
/// </summary>
internal sealed class VirtualClock
{
    /// <summary>Virtual time elapsed since the start of the run.</summary>
    public TimeSpan Now { get; private set; }

    /// <summary>Moves the clock to <paramref name="time"/>; going backwards is a broken invariant.</summary>
    public void AdvanceTo(TimeSpan time)
    {
        if (time < Now)
        {
            throw new InvalidOperationException($"virtual time cannot go back from {Now.Ticks} to {time.Ticks} ticks");
        }

        Now = time;
    }
}
