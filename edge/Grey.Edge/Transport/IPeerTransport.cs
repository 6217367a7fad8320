using System.Threading.Channels;
using Grey.Raft;

namespace Grey.Edge.Transport;

/// <summary>
/// How a node exchanges Raft messages with the other members of its site. The TCP transport implements it;
/// the deterministic simulator and tests swap in their own. Drops are reported through the
/// <see cref="IRaftFeedback"/> given to the implementation, so Raft retransmits.
/// </summary>
internal interface IPeerTransport : IAsyncDisposable
{
    /// <summary>This node's id.</summary>
    ulong NodeId { get; }

    /// <summary>
    /// Messages from peers, in the order each peer sent them. The reader is bounded: a node that stops reading
    /// slows its peers down (their sends drop and are reported) rather than growing memory.
    /// </summary>
    ChannelReader<Message> Incoming { get; }

    /// <summary>
    /// Queues <paramref name="message"/> for its recipient and returns at once; it never blocks and never
    /// waits for the network. A message that cannot be queued is dropped and reported to the
    /// <see cref="IRaftFeedback"/> (unreachable, and a failed snapshot for a snapshot).
    /// </summary>
    SendResult Send(Message message);
}
