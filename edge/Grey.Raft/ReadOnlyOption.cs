namespace Grey.Raft;

/// <summary>How the leader confirms that it still leads before it answers a ReadIndex request.</summary>
public enum ReadOnlyOption
{
    /// <summary>A heartbeat round acknowledged by a quorum confirms leadership (the default, always safe).</summary>
    Safe,

    /// <summary>
    /// The leader relies on its lease (check-quorum keeps it from serving after losing a quorum). Faster, but
    /// depends on bounded clock drift; allowed only with CheckQuorum on.
    /// </summary>
    LeaseBased,
}
