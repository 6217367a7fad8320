using System.Threading.Channels;

namespace Grey.Edge.Uplink.Nats;

/// <summary>
/// The bounded inbound channel with the drop rule <see cref="IUplink.Inbound"/> documents: when full, the oldest
/// ack or NAK is dropped first (a later ack supersedes an earlier one, a dropped NAK is repeated by the region),
/// then the oldest link event (the newest one tells the current state); revocations and desired changes are
/// never dropped: a writer of one waits for room instead, which backs up into NATS.Net's own bounded
/// subscription buffer. A <see cref="ChannelReader{T}"/> so the outbox reads it like any channel.
/// </summary>
internal sealed class InboundQueue : ChannelReader<UplinkInbound>
{
    private readonly object gate = new();
    private readonly LinkedList<UplinkInbound> items = new();
    private readonly int capacity;
    private TaskCompletionSource readable = NewSignal();
    private TaskCompletionSource writable = NewSignal();
    private bool completed;
    private long dropped;

    /// <summary>Creates an empty queue holding at most <paramref name="capacity"/> messages.</summary>
    public InboundQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        this.capacity = capacity;
        CompletionSource = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
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
    public override Task Completion => CompletionSource.Task;

    private TaskCompletionSource CompletionSource { get; }

    /// <summary>
    /// Adds a message without waiting: when full, evicts by the drop rule; returns false (the message is
    /// dropped) only when nothing may be evicted and it is itself droppable, or when the queue is completed.
    /// A revocation or desired change that finds no room returns false and is not counted: use <see cref="WriteAsync"/>.
    /// </summary>
    public bool TryWrite(UplinkInbound item)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (gate)
        {
            if (completed)
            {
                return false;
            }

            if (items.Count >= capacity && !EvictFor(item))
            {
                if (Droppable(item.Kind))
                {
                    dropped++;
                }

                return false;
            }

            items.AddLast(item);
            readable.TrySetResult();
            return true;
        }
    }

    /// <summary>Adds a message, waiting for room only when it may not be dropped and nothing can be evicted.</summary>
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

                if (items.Count < capacity || EvictFor(item))
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
                CompletionSource.TrySetResult();
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
                    CompletionSource.TrySetResult();
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

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Called under the lock with the queue full: removes the message the drop rule gives up first, if any.
    private bool EvictFor(UplinkInbound incoming)
    {
        foreach (var pass in new[] { 0, 1 })
        {
            for (var node = items.First; node is not null; node = node.Next)
            {
                var kind = node.Value.Kind;
                var evictable = pass == 0
                    ? kind is UplinkInboundKind.Ack or UplinkInboundKind.Nak
                    : kind is UplinkInboundKind.LinkUp or UplinkInboundKind.LinkDown;
                if (evictable)
                {
                    // An incoming ack or NAK may only push out older acks and NAKs, never link events.
                    if (pass == 1 && incoming.Kind is UplinkInboundKind.Ack or UplinkInboundKind.Nak)
                    {
                        return false;
                    }

                    items.Remove(node);
                    dropped++;
                    return true;
                }
            }
        }

        return false;
    }
}
