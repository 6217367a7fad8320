namespace Grey.Linearizability;

/// <summary>What the checker concluded about a history.</summary>
public enum Verdict
{
    /// <summary>A linearization exists for every key: the history is correct.</summary>
    Linearizable,

    /// <summary>The search was exhausted for some key without finding a linearization: a violation.</summary>
    NotLinearizable,

    /// <summary>
    /// The checker ran out of its budget (states or time) before deciding. Never to be read as a pass.
    /// </summary>
    Unknown,
}
