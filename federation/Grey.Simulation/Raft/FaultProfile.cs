namespace Grey.Simulation.Raft;

/// <summary>Which faults a simulation injects (the <c>--faults</c> option of <c>greyctl sim raft</c>).</summary>
internal enum FaultProfile
{
    /// <summary>No faults: latency only, every clock exact. A baseline that must always pass.</summary>
    None,

    /// <summary>Network faults: drop, delay, duplicate, reorder, symmetric and asymmetric partitions that heal.</summary>
    Net,

    /// <summary>Node crashes and restarts, losing unsynced writes and sometimes tearing the last one.</summary>
    Crash,

    /// <summary>Everything: network faults, crashes, clock skew, leader transfer and membership changes.</summary>
    All,
}
