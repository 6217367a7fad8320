namespace Grey.Raft;

/// <summary>How a configuration change is carried out.</summary>
public enum ConfChangeTransition : byte
{
    /// <summary>
    /// A single voter change is applied directly (one server at a time); anything else goes through a joint
    /// configuration that the leader leaves by itself.
    /// </summary>
    Auto = 0,

    /// <summary>Always use a joint configuration; the leader leaves it by itself once it is applied.</summary>
    JointImplicit = 1,

    /// <summary>Always use a joint configuration; the application leaves it with an explicit empty change.</summary>
    JointExplicit = 2,
}
