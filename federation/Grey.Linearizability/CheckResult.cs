namespace Grey.Linearizability;

/// <summary>The outcome of checking one history.</summary>
/// <param name="Verdict">Linearizable, not linearizable, or undecided within the budget.</param>
/// <param name="Key">The key that failed or could not be decided; null when the history is linearizable.</param>
/// <param name="Detail">A sentence for people: what was found, or why the checker gave up.</param>
/// <param name="StatesExplored">Distinct (linearized set, model state) pairs explored, summed over keys.</param>
public sealed record CheckResult(Verdict Verdict, string? Key, string Detail, long StatesExplored);
