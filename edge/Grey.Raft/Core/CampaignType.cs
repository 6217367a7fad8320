namespace Grey.Raft.Core;

/// <summary>Why a node campaigns.</summary>
internal enum CampaignType
{
    /// <summary>A pre-vote round that does not change the term.</summary>
    PreElection,

    /// <summary>A normal election.</summary>
    Election,

    /// <summary>An election forced by a leader transfer; voters skip their leader lease for it.</summary>
    Transfer,
}
