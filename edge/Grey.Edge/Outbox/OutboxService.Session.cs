namespace Grey.Edge.Outbox;

/// <summary>The shipping state of one leadership term of this node: what to send next and what is in flight.</summary>
internal sealed partial class OutboxService
{
    /// <summary>One delta published and not yet acknowledged.</summary>
    private sealed record InFlight(ulong FirstIndex, ulong LastIndex, long Bytes, long SentAtMs, bool Checkpoint);

    private sealed class Session(ulong nextIndex)
    {
        private readonly List<InFlight> inFlight = [];

        /// <summary>The first index not yet published in this session.</summary>
        public ulong NextIndex { get; set; } = nextIndex;

        /// <summary>Do not publish before this time (after the broker was unavailable).</summary>
        public long RetryAtMs { get; set; }

        /// <summary>The highest ack index proposed through Raft in this session.</summary>
        public ulong ProposedAck { get; set; }

        public int InFlightCount => inFlight.Count;

        public long InFlightBytes { get; private set; }

        public bool CheckpointInFlight => inFlight.Exists(f => f.Checkpoint);

        public long? OldestSentAtMs => inFlight.Count > 0 ? inFlight[0].SentAtMs : null;

        public void Add(InFlight f)
        {
            inFlight.Add(f);
            InFlightBytes += f.Bytes;
        }

        /// <summary>Drops what the region acknowledged and moves the next index past it.</summary>
        public void Acknowledged(ulong acked)
        {
            var removed = inFlight.RemoveAll(f => f.LastIndex <= acked);
            if (removed > 0)
            {
                InFlightBytes = inFlight.Sum(f => f.Bytes);
            }

            if (NextIndex <= acked)
            {
                NextIndex = acked + 1;
            }
        }

        /// <summary>Forgets what is in flight and starts again from <paramref name="from"/>.</summary>
        public void Restart(ulong from)
        {
            inFlight.Clear();
            InFlightBytes = 0;
            NextIndex = from;
            RetryAtMs = 0;
        }
    }
}
