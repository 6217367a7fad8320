namespace Grey.Simulation.Fleet;

/// <summary>
/// Deliberate bugs the fleet's tests switch on to prove that its checks can fail. Never set by the command line.
/// </summary>
[Flags]
internal enum FleetSabotage
{
    None = 0,

    /// <summary>A region that merges a redelivered site delta again (its operations applied a second time).</summary>
    RegionMergesDuplicates = 1 << 0,

    /// <summary>An outbox that leaves one entry out of every delta of several entries it ships (a skipped range).</summary>
    OutboxSkipsRange = 1 << 1,
}
