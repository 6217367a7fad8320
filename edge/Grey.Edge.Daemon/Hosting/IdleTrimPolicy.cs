namespace Grey.Edge.Daemon.Hosting;

/// <summary>
/// Decides when an idle node should give memory back (<see cref="IdleMemoryTrimmer"/>). Pure: it sees only the
/// process's running total of allocated bytes, sampled every <see cref="IdleMemoryTrimmer.CheckInterval"/>. A node is
/// idle when it allocated at most <see cref="IdleAllocationBytes"/> since the previous sample (its own ticking and
/// timers allocate less than that; any request, peer message or write allocates more), and a trim is worth it only when
/// at least <see cref="MinAllocatedSinceTrimBytes"/> were allocated since the last one (less cannot have grown the
/// heap by a region, so an idle node that stays idle is not collected again and again).
/// </summary>
internal sealed class IdleTrimPolicy
{
    /// <summary>Most bytes allocated between two samples for the node to count as idle.</summary>
    public const long IdleAllocationBytes = 256 * 1024;

    /// <summary>Fewest bytes allocated since the last trim (or start) for another trim to be worth its collection.</summary>
    public const long MinAllocatedSinceTrimBytes = 4 * 1024 * 1024;

    private long previousSample;
    private long allocatedAtLastTrim;

    /// <summary>
    /// Starts from the total allocated so far. The last trim counts as having been at zero, so the start-up's own
    /// allocations (several MB: the host, the container, the first election) make the first quiet sample trim.
    /// </summary>
    public IdleTrimPolicy(long allocatedAtStart)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(allocatedAtStart);
        previousSample = allocatedAtStart;
    }

    /// <summary>Trims done so far.</summary>
    public int Trims { get; private set; }

    /// <summary>Takes one sample of the running total of allocated bytes; true when the caller should trim now.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The total went down (it only ever grows).</exception>
    public bool Sample(long allocatedTotal)
    {
        if (allocatedTotal < previousSample)
        {
            throw new ArgumentOutOfRangeException(nameof(allocatedTotal), allocatedTotal, "The total of allocated bytes only grows.");
        }

        bool quiet = allocatedTotal - previousSample <= IdleAllocationBytes;
        previousSample = allocatedTotal;
        if (!quiet || allocatedTotal - allocatedAtLastTrim < MinAllocatedSinceTrimBytes)
        {
            return false;
        }

        allocatedAtLastTrim = allocatedTotal;
        Trims++;
        return true;
    }
}
