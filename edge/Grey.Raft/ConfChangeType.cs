namespace Grey.Raft;

/// <summary>One kind of membership change.</summary>
public enum ConfChangeType : byte
{
    /// <summary>Adds a voter, or promotes a learner to voter.</summary>
    AddVoter = 0,

    /// <summary>Adds a learner, or demotes a voter to learner.</summary>
    AddLearner = 1,

    /// <summary>Removes a voter or a learner.</summary>
    RemoveNode = 2,
}
