using Grey.Region.Hosting;

namespace Grey.Region.Daemon.Mqtt;

/// <summary>
/// The publishes of one part of a <see cref="CompositeRegionTransport"/>, sent one after another in the order they
/// were given, each after the previous one finished (successfully or not), so that a part keeps its order (desired
/// changes, acks) while the composite does not wait for a slow part.
/// </summary>
/// <remarks>
/// Why: a broker that is away does not fail a publish at once. nats.net waits for the reconnect, and the NATS
/// transport gives up only after its publish timeout (5 s); run one after another, every ack the loop published on
/// NATS while NATS was down held the MQTT copy, and the loop, for those seconds (seen end to end: a site shipping over
/// MQTT with NATS down got no ack for 15 s while the region merged on). At most <see cref="MaxPending"/> publishes
/// wait per part; beyond that the part is failing and a new publish fails at once for it.
/// </remarks>
internal sealed class OrderedPartPublisher
{
    /// <summary>Publishes waiting or running on one part; the next one fails at once for this part.</summary>
    public const int MaxPending = 256;

    private readonly object _gate = new();
    private Task _tail = Task.CompletedTask;
    private int _pending;

    public OrderedPartPublisher(IRegionTransport part)
    {
        ArgumentNullException.ThrowIfNull(part);
        Part = part;
    }

    public IRegionTransport Part { get; }

    /// <summary>Publishes waiting or running now.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>
    /// Queues <paramref name="publish"/> behind the part's earlier publishes. The task completes when it was sent, or
    /// faults with the part's exception (a <see cref="RegionTransportException"/> when the part is full).
    /// </summary>
    public Task Enqueue(Func<IRegionTransport, ValueTask> publish)
    {
        ArgumentNullException.ThrowIfNull(publish);
        lock (_gate)
        {
            if (_pending >= MaxPending)
            {
                return Task.FromException(new RegionTransportException($"{MaxPending} publishes already wait on this transport"));
            }

            _pending++;
            Task mine = RunAfterAsync(_tail, publish);
            _tail = mine;
            return mine;
        }
    }

    /// <summary>Waits until every queued publish has finished, or <paramref name="timeout"/> passes.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        Task tail;
        lock (_gate)
        {
            tail = _tail;
        }

        await tail.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAfterAsync(Task previous, Func<IRegionTransport, ValueTask> publish)
    {
        try
        {
            // The previous publish's failure is its caller's to see; this one is sent regardless.
            await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await publish(Part).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _pending--;
            }
        }
    }
}
