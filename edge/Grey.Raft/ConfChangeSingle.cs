namespace Grey.Raft;

/// <summary>One change of one node's membership.</summary>
/// <param name="Type">What happens to the node.</param>
/// <param name="NodeId">The node, never 0.</param>
public readonly record struct ConfChangeSingle(ConfChangeType Type, ulong NodeId);
