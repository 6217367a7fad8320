namespace Grey.Raft;

/// <summary>Volatile state that is useful to the application but need not be persisted.</summary>
/// <param name="Leader">The id of the known leader, 0 when none is known.</param>
/// <param name="Role">This node's role.</param>
public readonly record struct SoftState(ulong Leader, StateRole Role);
