using Grey.Simulation.Fleet;

namespace Grey.Ctl.Fleet;

/// <summary>
/// One planned chaos event of a real-broker fleet: when (from the start of the writes), which class, which site and
/// node (when the class has them), how long the fault lasts, and a class-specific amount (the clock skew).
/// </summary>
internal sealed record ChaosEvent(TimeSpan At, ChaosClass Class, int Site, int Node, TimeSpan Length, TimeSpan Skew);
