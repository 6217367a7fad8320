namespace Grey.Simulation.Network;

/// <summary>
/// How the simulated network mistreats messages that a partition does not block. Immutable; the fault
/// schedule swaps one profile for another during a run.
/// </summary>
internal sealed record NetworkFaults
{
    /// <summary>A perfect network apart from its latency: nothing dropped, duplicated or held back.</summary>
    public static NetworkFaults None { get; } = new() { DropProbability = 0, DuplicateProbability = 0, ReorderProbability = 0 };

    /// <summary>Probability that a message is lost. Default 0.02.</summary>
    public double DropProbability { get; init; } = 0.02;

    /// <summary>Probability that a message is delivered twice (each copy with its own delay). Default 0.02.</summary>
    public double DuplicateProbability { get; init; } = 0.02;

    /// <summary>
    /// Probability that a message is held back by <see cref="ReorderDelay"/> on top of its latency, so that
    /// later messages on the same link overtake it. Default 0.05.
    /// </summary>
    public double ReorderProbability { get; init; } = 0.05;

    /// <summary>Shortest one-way latency. Default 1 ms.</summary>
    public TimeSpan MinLatency { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Longest one-way latency (uniform between the two). Default 8 ms.</summary>
    public TimeSpan MaxLatency { get; init; } = TimeSpan.FromMilliseconds(8);

    /// <summary>Upper bound of the extra delay of a held-back message (uniform from zero). Default 60 ms.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(60);

    /// <summary>Every problem with this profile; empty when it is valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        CheckProbability(errors, nameof(DropProbability), DropProbability);
        CheckProbability(errors, nameof(DuplicateProbability), DuplicateProbability);
        CheckProbability(errors, nameof(ReorderProbability), ReorderProbability);
        if (MinLatency < TimeSpan.Zero || MaxLatency < MinLatency)
        {
            errors.Add($"latency range [{MinLatency}, {MaxLatency}] is invalid");
        }

        if (ReorderDelay < TimeSpan.Zero)
        {
            errors.Add($"{nameof(ReorderDelay)} must not be negative");
        }

        return errors;
    }

    private static void CheckProbability(List<string> errors, string name, double p)
    {
        if (!(p >= 0 && p <= 1))
        {
            errors.Add($"{name} must lie in [0, 1], got {p}");
        }
    }
}
