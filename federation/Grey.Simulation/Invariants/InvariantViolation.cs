namespace Grey.Simulation.Invariants;

/// <summary>A broken safety property found during a run.</summary>
/// <param name="Invariant">The property's short name: election-safety, log-matching, leader-completeness, state-machine-safety, linearizability.</param>
/// <param name="Detail">What was seen, with node ids, terms and indexes.</param>
internal sealed record InvariantViolation(string Invariant, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Invariant}: {Detail}";
}
