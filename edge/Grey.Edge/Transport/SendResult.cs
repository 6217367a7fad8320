namespace Grey.Edge.Transport;

/// <summary>The outcome of <see cref="IPeerTransport.Send"/>. Every outcome but <see cref="Queued"/> is a reported drop.</summary>
internal enum SendResult
{
    /// <summary>The message waits in the peer's send queue.</summary>
    Queued,

    /// <summary>The peer's send queue was full: dropped and reported unreachable.</summary>
    DroppedQueueFull,

    /// <summary>The recipient is not a configured peer: dropped and reported unreachable.</summary>
    DroppedUnknownPeer,

    /// <summary>The transport is shut down: dropped.</summary>
    DroppedClosed,
}
