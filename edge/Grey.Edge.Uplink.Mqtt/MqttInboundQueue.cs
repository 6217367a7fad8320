using System.Threading.Channels;

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>
/// The bounded inbound channel with the drop rule <see cref="IUplink.Inbound"/> documents: when full, the oldest
/// ack or NAK goes first (a later ack supersedes an earlier one, a dropped NAK is repeated by the region), then the
/// oldest link event (the newest tells the current state). Revocations and desired changes are never dropped: their
/// writer waits for room, which holds back MQTTnet's receive loop and, through the MQTT receive maximum, the broker.
/// </summary>
internal sealed class MqttInboundQueue : ChannelReader<UplinkInbound>
{
    private readonly object gate = new();
    private readonly LinkedList<UplinkInbound> items = new();
    private readonly int capacity;
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource readable = NewSignal();
    private TaskCompletionSource writable = NewSignal();
    private bool completed;
    private long dropped;

    /// <summary>Creates an empty queue holding at most <paramref name="capacity"/> messages.</summary>
    public MqttInboundQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        this.capacity = capacity;
    }

    /// <summary>Messages dropped by the overflow rule.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <inheritdoc />
    public override bool CanCount => true;

    /// <inheritdoc />
    public override int Count
    {
        get
        {
            lock (gate)
            {
                return items.Count;
            }
        }
    }

    /// <inheritdoc />
    public override Task Completion => completion.Task;

    /// <summary>
    /// Adds a message, waiting for room only when it may not be dropped and nothing can be evicted. Returns false
    /// when the message was dropped (counted) or the queue is completed.
    /// </summary>
    public async ValueTask<bool> WriteAsync(UplinkInbound item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (completed)
                {
                    return false;
                }

                if (items.Count < capacity || EvictFor(item.Kind))
                {
                    items.AddLast(item);
                    readable.TrySetResult();
                    return true;
                }

                if (Droppable(item.Kind))
                {
                    dropped++;
                    return false;
                }

                if (writable.Task.IsCompleted)
                {
                    writable = NewSignal();
                }

                wait = writable.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>No more writes; readers drain what is left, then see completion.</summary>
    public void Complete()
    {
        lock (gate)
        {
            completed = true;
            readable.TrySetResult();
            writable.TrySetResult();
            if (items.Count == 0)
            {
                completion.TrySetResult();
            }
        }
    }

    /// <inheritdoc />
    public override bool TryRead(out UplinkInbound item)
    {
        lock (gate)
        {
            if (items.First is { } first)
            {
                items.RemoveFirst();
                item = first.Value;
                writable.TrySetResult();
                if (completed && items.Count == 0)
                {
                    completion.TrySetResult();
                }

                return true;
            }
        }

        item = null!;
        return false;
    }

    /// <inheritdoc />
    public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (items.Count > 0)
                {
                    return true;
                }

                if (completed)
                {
                    return false;
                }

                if (readable.Task.IsCompleted)
                {
                    readable = NewSignal();
                }

                wait = readable.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool Droppable(UplinkInboundKind kind) => kind is not (UplinkInboundKind.Revoke or UplinkInboundKind.Desired);

    private static bool IsLink(UplinkInboundKind kind) => kind is UplinkInboundKind.LinkUp or UplinkInboundKind.LinkDown;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Called under the lock with the queue full: removes the message the drop rule gives up first, if any. An
    // incoming ack or NAK may push out only older acks and NAKs; anything else may also push out a link event.
    private bool EvictFor(UplinkInboundKind incoming)
    {
        var node = FindFirst(k => k is UplinkInboundKind.Ack or UplinkInboundKind.Nak)
            ?? (incoming is UplinkInboundKind.Ack or UplinkInboundKind.Nak ? null : FindFirst(IsLink));
        if (node is null)
        {
            return false;
        }

        items.Remove(node);
        dropped++;
        return true;
    }

    private LinkedListNode<UplinkInbound>? FindFirst(Func<UplinkInboundKind, bool> match)
    {
        for (var node = items.First; node is not null; node = node.Next)
        {
            if (match(node.Value.Kind))
            {
                return node;
            }
        }

        return null;
    }
}
