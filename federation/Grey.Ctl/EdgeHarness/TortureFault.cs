namespace Grey.Ctl.EdgeHarness;

/// <summary>The faults a torture round injects, in the order rounds cycle through them.</summary>
internal enum TortureFault
{
    /// <summary>SIGKILL one node, restart it.</summary>
    KillOne,

    /// <summary>Cut one node off from every peer (both directions), then heal.</summary>
    IsolateOne,

    /// <summary>SIGKILL a majority at once, restart them.</summary>
    KillMajority,

    /// <summary>Drop everything one node sends to the others while it still hears them, then heal.</summary>
    OneWayOut,

    /// <summary>SIGKILL every node at once (a site-wide power cut), restart them all.</summary>
    KillAll,

    /// <summary>Drop everything one node receives while what it sends still arrives, then heal.</summary>
    OneWayIn,
}
