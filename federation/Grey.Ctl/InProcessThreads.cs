namespace Grey.Ctl;

/// <summary>
/// Thread-pool workers for commands that host many edge nodes in this one process (dev, sim fleet with a real broker,
/// bench e2e). Each node writes its WAL on its loop's thread (<c>WalWriterMode.Inline</c>) and so holds a pool thread
/// for every fdatasync; the pool cannot tell and adds threads only slowly (about two a second once it sees no
/// progress), so a few dozen nodes fsyncing together delayed every timer and continuation of the process by tens of
/// milliseconds, and 1,000 sites starting together timed out their broker connections.
/// </summary>
internal static class InProcessThreads
{
    /// <summary>The most workers reserved, whatever the node count (a named bound on threads and their stacks).</summary>
    public const int MaxReserved = 256;

    /// <summary>Raises the pool's minimum worker count to cover <paramref name="nodes"/> blocked at once, plus the cores.</summary>
    public static void Reserve(int nodes)
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        int wanted = Math.Min(MaxReserved, Math.Max(0, nodes) + Environment.ProcessorCount);
        if (wanted > workers)
        {
            ThreadPool.SetMinThreads(wanted, io);
        }
    }
}
