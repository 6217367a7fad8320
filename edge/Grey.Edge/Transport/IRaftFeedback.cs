namespace Grey.Edge.Transport;

/// <summary>
/// What a transport tells Raft about delivery; the names follow <c>RawNode.ReportUnreachable</c> and
/// <c>RawNode.ReportSnapshot</c>. A transport calls these from its own threads and also synchronously from
/// <see cref="IPeerTransport.Send"/>, so an implementation must be thread-safe and must not block (the node
/// typically queues the report into its own loop).
/// </summary>
internal interface IRaftFeedback
{
    /// <summary>A message to <paramref name="peerId"/> was dropped, or the connection to it was lost.</summary>
    void ReportUnreachable(ulong peerId);

    /// <summary>A snapshot to <paramref name="peerId"/> was written to the connection, or (<paramref name="failed"/>) was not.</summary>
    void ReportSnapshot(ulong peerId, bool failed);
}
