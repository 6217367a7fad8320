namespace Grey.Raft;

/// <summary>What a snapshot covers: the log up to and including <paramref name="Index"/>.</summary>
public readonly record struct SnapshotMetadata(ulong Index, ulong Term, ConfState ConfState);
