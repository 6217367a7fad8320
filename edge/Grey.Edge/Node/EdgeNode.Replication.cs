using Grey.Raft;

namespace Grey.Edge.Node;

/// <summary>The leader's early send: replication leaves before the leader's own fsync.</summary>
internal sealed partial class EdgeNode
{
    /// <summary>Appends and heartbeats: what a leader may send before its own entries of the same round are durable.</summary>
    private static bool IsLeaderReplication(MessageType type) => type is MessageType.Append or MessageType.Heartbeat;

    /// <summary>Sends the appends and heartbeats of <paramref name="messages"/> now; true (so they are not sent twice later).</summary>
    private bool SendLeaderReplication(IReadOnlyList<Message> messages)
    {
        foreach (var message in messages)
        {
            if (IsLeaderReplication(message.Type))
            {
                transport.Send(message);
            }
        }

        return true;
    }
}
