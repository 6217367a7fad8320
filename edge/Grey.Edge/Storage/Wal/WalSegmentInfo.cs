namespace Grey.Edge.Storage.Wal;

/// <summary>A segment file of the log.</summary>
/// <param name="Sequence">Its sequence number.</param>
/// <param name="FirstIndex">The log's last index + 1 when it was created.</param>
/// <param name="CreatedAt">When it was created (from its header).</param>
/// <param name="Path">Its path.</param>
internal readonly record struct WalSegmentInfo(ulong Sequence, ulong FirstIndex, DateTimeOffset CreatedAt, string Path);
