namespace Grey.Simulation.Raft;

/// <summary>
/// Deliberately broken rules in the simulator's own application path, so tests can show that the end-of-run
/// linearizability check catches what the per-step Raft invariants cannot. Never set outside tests.
/// </summary>
[Flags]
internal enum SimulationSabotage
{
    /// <summary>Every rule as it should be.</summary>
    None = 0,

    /// <summary>
    /// Every node answers reads from its local state at once, without ReadIndex: a follower or a deposed
    /// leader then serves stale values as if they were linearizable.
    /// </summary>
    StaleLocalRead = 1,
}
