namespace Grey.Edge.Daemon.Hosting;

/// <summary>
/// Gives an idle node's memory back to the system: every <see cref="CheckInterval"/> it samples the allocated-bytes
/// total, and when <see cref="IdleTrimPolicy"/> says the node has gone quiet after enough work, runs one blocking,
/// compacting collection in the aggressive mode, which also decommits the GC's free regions. Without it, the GC
/// regions the start-up and each burst of requests filled stayed resident for good: a node with nothing to do runs no
/// collection that could release them (idle VmRSS 30 MB after start, 31-34 MB after 1,000 writes and reads; with it
/// 21 and 22-23 MB; docs/BENCHMARKS.md, "Edge footprint"). The cost is one full collection of a small heap (about 4 ms
/// of CPU) when a burst ends, at most once per interval.
/// </summary>
internal sealed class IdleMemoryTrimmer : IDisposable
{
    /// <summary>
    /// How often the allocation total is sampled: a node quiet for this long counts as idle, so memory goes back 2-4 s
    /// after a burst ends. Short, because a trim costs one collection of a small heap and happens at most once per burst
    /// (<see cref="IdleTrimPolicy.MinAllocatedSinceTrimBytes"/>); a node under steady load is never quiet and never trimmed.
    /// </summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    private readonly IdleTrimPolicy policy;
    private readonly Func<long> allocatedTotal;
    private readonly Action trim;
    private readonly ITimer timer;
    private readonly Lock gate = new();

    /// <summary>Starts sampling; <paramref name="allocatedTotal"/> and <paramref name="trim"/> are injected for tests.</summary>
    public IdleMemoryTrimmer(TimeProvider time, Func<long> allocatedTotal, Action trim)
    {
        ArgumentNullException.ThrowIfNull(time);
        this.allocatedTotal = allocatedTotal ?? throw new ArgumentNullException(nameof(allocatedTotal));
        this.trim = trim ?? throw new ArgumentNullException(nameof(trim));
        policy = new IdleTrimPolicy(allocatedTotal());
        timer = time.CreateTimer(_ => Check(), null, CheckInterval, CheckInterval);
    }

    /// <summary>Trims done so far.</summary>
    public int Trims
    {
        get
        {
            lock (gate)
            {
                return policy.Trims;
            }
        }
    }

    /// <summary>The trimmer of a real process: the GC's allocation total, and the aggressive collection.</summary>
    public static IdleMemoryTrimmer ForProcess(TimeProvider time) =>
        new(time, () => GC.GetTotalAllocatedBytes(precise: false), TrimProcess);

    /// <summary>Stops sampling.</summary>
    public void Dispose() => timer.Dispose();

    /// <summary>
    /// One full, blocking, compacting collection in the aggressive mode: survivors are packed into as few regions as
    /// possible and every free region is decommitted at once (a normal collection keeps free regions committed for
    /// reuse and gives them back only over later collections, which an idle node does not run).
    /// </summary>
    private static void TrimProcess() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    private void Check()
    {
        bool due;
        lock (gate)
        {
            // The lock keeps samples in order if a slow trim makes two timer callbacks overlap.
            due = policy.Sample(allocatedTotal());
        }

        if (due)
        {
            trim();
        }
    }
}
