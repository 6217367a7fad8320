namespace Grey.Ctl.Bench;

/// <summary>
/// Follows each site's merged index as the region acknowledges it (the region acks only after its merge is
/// durable) and turns writes waiting for it into commit-to-merged latencies. Times are ticks of one clock, passed
/// in, so the logic is testable without one. Thread-safe: writers and the region's ack path call it concurrently.
/// </summary>
internal sealed class MergeWatch
{
    /// <summary>Writes waiting for their merge, at most (a named bound on the bench's own memory).</summary>
    public const int MaxPending = 1_000_000;

    private readonly Lock gate = new();
    private readonly Dictionary<string, SiteWatch> sites = new(StringComparer.Ordinal);
    private List<long>? latencies;
    private long merged;

    /// <summary>Acks seen (each names a site and its highest merged index).</summary>
    public long Acks { get; private set; }

    /// <summary>Writes whose merge was seen since the last <see cref="StartRecording"/>.</summary>
    public long MergedWrites => Interlocked.Read(ref merged);

    /// <summary>The highest merged index acknowledged for <paramref name="site"/> (0 before any ack).</summary>
    public ulong MergedIndex(string site)
    {
        lock (gate)
        {
            return sites.TryGetValue(site, out SiteWatch? s) ? s.Merged : 0;
        }
    }

    /// <summary>The tick at which the latest ack raised any site's merged index.</summary>
    public long LastMergeTicks { get; private set; }

    /// <summary>Starts collecting latencies (and counting merged writes) afresh.</summary>
    public void StartRecording()
    {
        lock (gate)
        {
            latencies = [];
            Interlocked.Exchange(ref merged, 0);
            foreach (SiteWatch s in sites.Values)
            {
                s.Pending.Clear();
            }
        }
    }

    /// <summary>Stops collecting and returns the commit-to-merged latencies (ticks) seen since <see cref="StartRecording"/>.</summary>
    public IReadOnlyList<long> StopRecording()
    {
        lock (gate)
        {
            List<long> result = latencies ?? [];
            latencies = null;
            return result;
        }
    }

    /// <summary>
    /// A write of <paramref name="site"/> committed at log index <paramref name="index"/> at tick
    /// <paramref name="committedTicks"/>. If the region already acknowledged it, its latency counts up to the latest
    /// ack (an upper bound: the ack that covered it came no later).
    /// </summary>
    public void Committed(string site, ulong index, long committedTicks)
    {
        lock (gate)
        {
            SiteWatch s = Site(site);
            if (index <= s.Merged)
            {
                Record(Math.Max(0, s.LastAckTicks - committedTicks));
                return;
            }

            if (latencies is null)
            {
                return;
            }

            if (s.Pending.Count >= MaxPending)
            {
                throw new InvalidOperationException($"more than {MaxPending} writes of {site} wait for their merge");
            }

            s.Pending.Enqueue(committedTicks, index);
        }
    }

    /// <summary>The region acknowledged <paramref name="site"/> up to <paramref name="mergedIndex"/> at <paramref name="ticks"/>.</summary>
    public void Acknowledged(string site, ulong mergedIndex, long ticks)
    {
        lock (gate)
        {
            Acks++;
            SiteWatch s = Site(site);
            if (mergedIndex <= s.Merged)
            {
                return;
            }

            s.Merged = mergedIndex;
            s.LastAckTicks = ticks;
            LastMergeTicks = ticks;
            while (s.Pending.TryPeek(out long committed, out ulong index) && index <= mergedIndex)
            {
                s.Pending.Dequeue();
                Record(Math.Max(0, ticks - committed));
            }
        }
    }

    private void Record(long ticks)
    {
        if (latencies is not null)
        {
            latencies.Add(ticks);
            Interlocked.Increment(ref merged);
        }
    }

    private SiteWatch Site(string site)
    {
        if (!sites.TryGetValue(site, out SiteWatch? s))
        {
            s = new SiteWatch();
            sites[site] = s;
        }

        return s;
    }

    private sealed class SiteWatch
    {
        public ulong Merged { get; set; }

        public long LastAckTicks { get; set; }

        public PriorityQueue<long, ulong> Pending { get; } = new();
    }
}
