namespace Grey.Simulation.Fleet;

/// <summary>
/// The shipping state of one leadership term (the edge's <c>OutboxService.Session</c>, in virtual time): the next
/// index to publish and what is in flight. Forgotten on crash and on losing leadership.
/// </summary>
internal sealed class OutboxSession(ulong nextIndex)
{
    private readonly List<(ulong First, ulong Last, TimeSpan SentAt, bool Checkpoint)> inFlight = [];

    public ulong NextIndex { get; set; } = nextIndex;

    /// <summary>Do not publish before this time (after the broker refused a publish).</summary>
    public TimeSpan RetryAt { get; set; }

    /// <summary>The highest ack index proposed through Raft in this session.</summary>
    public ulong ProposedAck { get; set; }

    public int InFlightCount => inFlight.Count;

    public bool CheckpointInFlight => inFlight.Exists(f => f.Checkpoint);

    public TimeSpan? OldestSentAt => inFlight.Count > 0 ? inFlight[0].SentAt : null;

    public void Add(ulong first, ulong last, TimeSpan sentAt, bool checkpoint) => inFlight.Add((first, last, sentAt, checkpoint));

    /// <summary>Drops what the region acknowledged and moves the next index past it.</summary>
    public void Acknowledged(ulong acked)
    {
        inFlight.RemoveAll(f => f.Last <= acked);
        if (NextIndex <= acked)
        {
            NextIndex = acked + 1;
        }
    }

    /// <summary>Forgets what is in flight and starts again from <paramref name="from"/>.</summary>
    public void Restart(ulong from)
    {
        inFlight.Clear();
        NextIndex = from;
        RetryAt = TimeSpan.Zero;
    }
}
