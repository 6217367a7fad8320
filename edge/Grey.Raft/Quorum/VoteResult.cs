namespace Grey.Raft.Quorum;

/// <summary>The state of an election tally.</summary>
internal enum VoteResult
{
    /// <summary>Neither won nor lost yet: missing votes could still decide either way.</summary>
    Pending,

    /// <summary>A quorum rejected.</summary>
    Lost,

    /// <summary>A quorum granted.</summary>
    Won,
}
