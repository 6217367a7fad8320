namespace Grey.Raft;

/// <summary>
/// Deliberately broken rules, switched on only by tests that must show the simulator (or a unit test)
/// catching a safety violation. Production code never sets these.
/// </summary>
[Flags]
internal enum RaftSabotage
{
    /// <summary>Every rule as it should be.</summary>
    None = 0,

    /// <summary>
    /// The leader commits any entry once a majority stores it, without the Figure 8 check that the entry
    /// is of the leader's current term.
    /// </summary>
    CommitPreviousTermByCount = 1,

    /// <summary>A voter grants its vote to any candidate of its term, even when it already voted for another.</summary>
    GrantTwoVotesPerTerm = 2,

    /// <summary>A voter grants its vote without checking that the candidate's log is at least as up to date as its own.</summary>
    SkipLogUpToDateCheck = 4,

    /// <summary>A leader answers ReadIndex at once, without confirming with a quorum that it still leads.</summary>
    ReadIndexWithoutQuorum = 8,
}
