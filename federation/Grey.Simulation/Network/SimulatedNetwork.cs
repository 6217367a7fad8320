using Grey.Simulation.Core;

namespace Grey.Simulation.Network;

/// <summary>
/// A network between numbered endpoints that drops, delays, duplicates and reorders messages and honours
/// directed link cuts (partitions, symmetric or not). Delivery is an event in the simulation's queue;
/// what happens on arrival (a crashed receiver ignores it) is the receiver's business.
/// </summary>
/// <typeparam name="TMessage">The message type; the network never looks inside.</typeparam>
internal sealed class SimulatedNetwork<TMessage>
{
    /// <summary>
    /// The most copies in flight at once. A real network buffer is finite; beyond the limit new messages
    /// are dropped (and counted), which is a fault the protocol must tolerate anyway.
    /// </summary>
    public const int MaxInFlight = 100_000;

    private readonly EventQueue queue;
    private readonly Random random;
    private readonly Action<ulong, ulong, TMessage> deliver;
    private readonly HashSet<(ulong From, ulong To)> cut = [];
    private int inFlight;

    /// <summary>Creates the network; <paramref name="deliver"/> receives (from, to, message) on arrival.</summary>
    public SimulatedNetwork(EventQueue queue, Random random, NetworkFaults faults, Action<ulong, ulong, TMessage> deliver)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(deliver);
        this.queue = queue;
        this.random = random;
        this.deliver = deliver;
        Faults = faults;
    }

    /// <summary>The current fault profile.</summary>
    public NetworkFaults Faults
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            var errors = value.Validate();
            if (errors.Count > 0)
            {
                throw new ArgumentException("invalid network faults: " + string.Join("; ", errors), nameof(value));
            }

            field = value;
        }
    }

    /// <summary>Counters of what happened to messages.</summary>
    public NetworkStatistics Statistics { get; } = new();

    /// <summary>Copies in flight now.</summary>
    public int InFlight => inFlight;

    /// <summary>True when at least one link is cut.</summary>
    public bool IsPartitioned => cut.Count > 0;

    /// <summary>Sends a message from one endpoint to another; it may arrive late, twice or never.</summary>
    public void Send(ulong from, ulong to, TMessage message)
    {
        Statistics.Sent++;
        if (cut.Contains((from, to)))
        {
            Statistics.Partitioned++;
            return;
        }

        var faults = Faults;
        if (faults.DropProbability > 0 && random.NextDouble() < faults.DropProbability)
        {
            Statistics.Dropped++;
            return;
        }

        Enqueue(from, to, message, faults);
        if (faults.DuplicateProbability > 0 && random.NextDouble() < faults.DuplicateProbability)
        {
            Statistics.Duplicated++;
            Enqueue(from, to, message, faults);
        }
    }

    /// <summary>Cuts the link from <paramref name="from"/> to <paramref name="to"/> (one direction only).</summary>
    public void Cut(ulong from, ulong to) => cut.Add((from, to));

    /// <summary>Cuts both directions between two endpoints.</summary>
    public void CutBoth(ulong a, ulong b)
    {
        cut.Add((a, b));
        cut.Add((b, a));
    }

    /// <summary>Splits the endpoints into groups that cannot reach each other (both directions).</summary>
    public void Partition(IReadOnlyList<IReadOnlyList<ulong>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        for (int i = 0; i < groups.Count; i++)
        {
            for (int j = i + 1; j < groups.Count; j++)
            {
                foreach (ulong a in groups[i])
                {
                    foreach (ulong b in groups[j])
                    {
                        CutBoth(a, b);
                    }
                }
            }
        }
    }

    /// <summary>True when messages from <paramref name="from"/> to <paramref name="to"/> are blocked.</summary>
    public bool IsCut(ulong from, ulong to) => cut.Contains((from, to));

    /// <summary>Restores every link. Messages already in flight were never affected by the cuts.</summary>
    public void Heal() => cut.Clear();

    private void Enqueue(ulong from, ulong to, TMessage message, NetworkFaults faults)
    {
        if (inFlight >= MaxInFlight)
        {
            Statistics.Overflowed++;
            return;
        }

        TimeSpan delay = faults.MinLatency + Fraction(faults.MaxLatency - faults.MinLatency);
        if (faults.ReorderProbability > 0 && random.NextDouble() < faults.ReorderProbability)
        {
            Statistics.Reordered++;
            delay += Fraction(faults.ReorderDelay);
        }

        inFlight++;
        queue.Schedule(delay, () =>
        {
            inFlight--;
            Statistics.Delivered++;
            deliver(from, to, message);
        });
    }

    private TimeSpan Fraction(TimeSpan span) =>
        span <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks(random.NextInt64(span.Ticks + 1));
}
