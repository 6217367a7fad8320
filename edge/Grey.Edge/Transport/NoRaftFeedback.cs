namespace Grey.Edge.Transport;

/// <summary>Feedback that ignores every report, for callers that do not drive a Raft node (tools, benchmarks).</summary>
internal sealed class NoRaftFeedback : IRaftFeedback
{
    /// <summary>The shared instance.</summary>
    public static NoRaftFeedback Instance { get; } = new();

    private NoRaftFeedback()
    {
    }

    /// <inheritdoc/>
    public void ReportUnreachable(ulong peerId)
    {
    }

    /// <inheritdoc/>
    public void ReportSnapshot(ulong peerId, bool failed)
    {
    }
}
