namespace Grey.Raft;

/// <summary>A snapshot of the application's state machine and the membership at its index.</summary>
public sealed record Snapshot(SnapshotMetadata Metadata, ReadOnlyMemory<byte> Data)
{
    /// <summary>The empty snapshot (index 0) of a storage that never took one.</summary>
    public static Snapshot Empty { get; } = new(new SnapshotMetadata(0, 0, ConfState.Empty), ReadOnlyMemory<byte>.Empty);

    /// <summary>True for a snapshot at index 0.</summary>
    public bool IsEmpty => Metadata.Index == 0;
}
