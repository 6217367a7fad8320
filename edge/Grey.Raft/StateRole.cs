namespace Grey.Raft;

/// <summary>The role a node plays in the group.</summary>
public enum StateRole
{
    /// <summary>Follows a leader (or waits for one).</summary>
    Follower,

    /// <summary>Runs a pre-vote round that does not disturb the term, to learn whether it could win.</summary>
    PreCandidate,

    /// <summary>Runs an election in a new term.</summary>
    Candidate,

    /// <summary>Leads the group in its term.</summary>
    Leader,
}
