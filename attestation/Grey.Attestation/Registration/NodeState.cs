namespace Grey.Attestation.Registration;

/// <summary>
/// The life of an enrolled node. Enabled and Disabled switch back and forth (an admin pause); Revoked and
/// Banned are final. Banned also refuses the node's EK under any other node id.
/// </summary>
public enum NodeState
{
    Enabled = 1,
    Disabled = 2,
    Revoked = 3,
    Banned = 4,
}
