namespace Grey.Raft;

/// <summary>
/// The answer to a ReadIndex request: once the application has applied up to <paramref name="Index"/>, a
/// read issued with <paramref name="Context"/> is linearizable.
/// </summary>
public readonly record struct ReadState(ulong Index, ReadOnlyMemory<byte> Context);
