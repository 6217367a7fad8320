using System.Collections.Concurrent;
using System.Threading.Channels;
using Grey.Edge.Transport;
using Grey.Raft;

namespace Grey.Edge.Tests.Node;

/// <summary>An in-process peer network for node tests: delivers every message unless a link is cut.</summary>
internal sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<ulong, Endpoint> endpoints = new();
    private readonly ConcurrentDictionary<(ulong, ulong), bool> cut = new();

    /// <summary>Messages this predicate matches are kept in <see cref="Held"/> instead of delivered.</summary>
    public Func<Message, bool>? Hold { get; set; }

    public ConcurrentQueue<Message> Held { get; } = new();

    /// <summary>Hands <paramref name="message"/> to its addressee whatever links are cut (a late or replayed message).</summary>
    public bool Inject(Message message) =>
        endpoints.TryGetValue(message.To, out var to) && !to.IsClosed && to.Accept(message);

    public IPeerTransport Connect(ulong id, IRaftFeedback feedback)
    {
        var endpoint = new Endpoint(this, id, feedback);
        endpoints[id] = endpoint;
        return endpoint;
    }

    /// <summary>Cuts both directions between <paramref name="id"/> and every other node.</summary>
    public void Isolate(ulong id, bool isolated = true)
    {
        foreach (var other in endpoints.Keys)
        {
            cut[(id, other)] = isolated;
            cut[(other, id)] = isolated;
        }
    }

    private sealed class Endpoint(InMemoryNetwork network, ulong id, IRaftFeedback feedback) : IPeerTransport
    {
        private readonly Channel<Message> incoming = Channel.CreateBounded<Message>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });
        private bool closed;

        public ulong NodeId => id;

        public ChannelReader<Message> Incoming => incoming.Reader;

        public bool IsClosed => closed;

        public bool Accept(Message message) => incoming.Writer.TryWrite(message);

        public SendResult Send(Message message)
        {
            if (closed)
            {
                return SendResult.DroppedClosed;
            }

            if (network.Hold is { } hold && hold(message))
            {
                network.Held.Enqueue(message);
                return SendResult.Queued;
            }

            if (network.cut.GetValueOrDefault((id, message.To)) || !network.endpoints.TryGetValue(message.To, out var to) || to.closed || !to.incoming.Writer.TryWrite(message))
            {
                feedback.ReportUnreachable(message.To);
                if (message.Type == MessageType.Snapshot)
                {
                    feedback.ReportSnapshot(message.To, failed: true);
                }

                return SendResult.DroppedUnknownPeer;
            }

            if (message.Type == MessageType.Snapshot)
            {
                feedback.ReportSnapshot(message.To, failed: false);
            }

            return SendResult.Queued;
        }

        public ValueTask DisposeAsync()
        {
            closed = true;
            incoming.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}
