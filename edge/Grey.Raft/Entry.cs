namespace Grey.Raft;

/// <summary>One entry of the replicated log.</summary>
/// <param name="Term">The leader term in which the entry was proposed.</param>
/// <param name="Index">The entry's position in the log, starting at 1.</param>
/// <param name="Kind">What the entry carries.</param>
/// <param name="Data">The payload; its meaning depends on <paramref name="Kind"/>.</param>
public readonly record struct Entry(ulong Term, ulong Index, EntryKind Kind, ReadOnlyMemory<byte> Data)
{
    /// <summary>
    /// Fixed per-entry overhead counted on top of the payload when sizing messages, so that a batch of
    /// empty entries still has a bounded encoded size.
    /// </summary>
    internal const ulong OverheadBytes = 24;

    /// <summary>The size this entry is charged in message-size and in-flight-bytes limits.</summary>
    internal ulong WireSize => (ulong)Data.Length + OverheadBytes;

    /// <summary>The size this entry is charged against the uncommitted-entries limit (payload only, as etcd).</summary>
    internal ulong PayloadSize => (ulong)Data.Length;
}
