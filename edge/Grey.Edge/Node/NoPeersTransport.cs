using System.Threading.Channels;
using Grey.Edge.Transport;
using Grey.Raft;

namespace Grey.Edge.Node;

/// <summary>The transport of a one-node site: nobody to talk to. A message to anyone is dropped (there is no one).</summary>
internal sealed class NoPeersTransport(ulong nodeId) : IPeerTransport
{
    private readonly Channel<Message> incoming = Channel.CreateBounded<Message>(1);

    public ulong NodeId => nodeId;

    public ChannelReader<Message> Incoming => incoming.Reader;

    public SendResult Send(Message message) => SendResult.DroppedUnknownPeer;

    public ValueTask DisposeAsync()
    {
        incoming.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
