namespace Grey.Ctl.Bench;

/// <summary>
/// The region's side of a drain, as its transport sees it: how many non-empty batches it fetched, how many deltas,
/// when the first and last arrived, and how long each turn took from its fetch to its first ack (verification,
/// merge and the durable flush). One turn at a time (the ingest loop is sequential), so a plain lock suffices.
/// </summary>
internal sealed class RegionTurnClock
{
    private readonly Lock gate = new();
    private long pendingFetch = -1;

    public long Batches { get; private set; }

    public long Deltas { get; private set; }

    public long FirstFetchTicks { get; private set; } = -1;

    public long LastFetchTicks { get; private set; } = -1;

    /// <summary>Sum over turns of fetch-to-first-ack, in ticks.</summary>
    public long TurnTicks { get; private set; }

    /// <summary>Starts afresh.</summary>
    public void Reset()
    {
        lock (gate)
        {
            Batches = Deltas = TurnTicks = 0;
            FirstFetchTicks = LastFetchTicks = pendingFetch = -1;
        }
    }

    /// <summary>A non-empty batch of <paramref name="count"/> deltas arrived at <paramref name="ticks"/>.</summary>
    public void Fetched(int count, long ticks)
    {
        lock (gate)
        {
            Batches++;
            Deltas += count;
            if (FirstFetchTicks < 0)
            {
                FirstFetchTicks = ticks;
            }

            LastFetchTicks = ticks;
            pendingFetch = ticks;
        }
    }

    /// <summary>An ack left at <paramref name="ticks"/>: the first after a fetch closes that turn.</summary>
    public void Acked(long ticks)
    {
        lock (gate)
        {
            if (pendingFetch >= 0)
            {
                TurnTicks += ticks - pendingFetch;
                pendingFetch = -1;
            }
        }
    }
}
