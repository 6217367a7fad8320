namespace Grey.Ctl.Bench;

/// <summary>One write of the load: site, client and sequence number in; the log index it committed at out (null: failed).</summary>
internal delegate ValueTask<ulong?> BenchWrite(int site, int client, long sequence, CancellationToken cancellationToken);

/// <summary>What a load run did: writes committed, failed and (open loop) not issued, and the highest index per site.</summary>
internal sealed record LoadResult(long Committed, long Failed, long Skipped, double Seconds, ulong[] LastIndex, IReadOnlyList<long> CommitTicks);

/// <summary>
/// The bench's clients: closed-loop writers (each waits for its answer before the next write) for the maximum,
/// and an open-loop pacer (writes issued at a fixed rate whatever the answers) for the half-load run. Every write
/// that commits is reported to <c>committed(site, index, tick)</c> at once.
/// </summary>
internal static class BenchLoad
{
    /// <summary>Open-loop writes awaiting their answer, at most; past it the pacer skips (and counts) writes instead of queueing without bound.</summary>
    public const int MaxOpenLoopInFlight = 100_000;

    /// <summary>How often the open-loop pacer issues what is due.</summary>
    public static readonly TimeSpan PacerTick = TimeSpan.FromMilliseconds(1);

    /// <summary>Runs <paramref name="clientsPerSite"/> closed-loop writers per site for <paramref name="duration"/>.</summary>
    public static async Task<LoadResult> ClosedLoopAsync(int sites, int clientsPerSite, TimeSpan duration, BenchWrite write,
        Action<int, ulong, long> committed, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(time);
        long ok = 0, failed = 0;
        var last = new ulong[sites];
        long start = time.GetTimestamp();
        var clients = new List<Task>(sites * clientsPerSite);
        for (int s = 0; s < sites; s++)
        {
            for (int c = 0; c < clientsPerSite; c++)
            {
                int site = s, client = c;
                clients.Add(Task.Run(
                    async () =>
                    {
                        for (long seq = 0; time.GetElapsedTime(start) < duration; seq++)
                        {
                            ulong? index = await write(site, client, seq, cancellationToken).ConfigureAwait(false);
                            if (index is { } i)
                            {
                                committed(site, i, time.GetTimestamp());
                                Interlocked.Increment(ref ok);
                                Max(ref last[site], i);
                            }
                            else
                            {
                                Interlocked.Increment(ref failed);
                            }
                        }
                    },
                    cancellationToken));
            }
        }

        await Task.WhenAll(clients).ConfigureAwait(false);
        return new LoadResult(ok, failed, 0, time.GetElapsedTime(start).TotalSeconds, last, []);
    }

    /// <summary>Issues <paramref name="ratePerSecond"/> writes per second in all, round-robin over the sites, for <paramref name="duration"/>.</summary>
    public static async Task<LoadResult> OpenLoopAsync(int sites, double ratePerSecond, TimeSpan duration, BenchWrite write,
        Action<int, ulong, long> committed, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        long ok = 0, failed = 0, skipped = 0, inFlight = 0;
        var last = new ulong[sites];
        var commitTicks = new List<long>();
        var pending = new List<Task>();
        long start = time.GetTimestamp();
        long issued = 0;

        // Exactly rate x duration writes are offered, each when due: a pacer woken late issues what it owes at once.
        long total = (long)(ratePerSecond * duration.TotalSeconds);
        while (issued < total)
        {
            long due = Math.Min(total, (long)(ratePerSecond * time.GetElapsedTime(start).TotalSeconds));
            for (; issued < due; issued++)
            {
                if (Interlocked.Read(ref inFlight) >= MaxOpenLoopInFlight)
                {
                    skipped++;
                    continue;
                }

                int site = (int)(issued % sites);
                long sequence = issued;
                Interlocked.Increment(ref inFlight);
                pending.Add(Task.Run(
                    async () =>
                    {
                        long began = time.GetTimestamp();
                        ulong? index = await write(site, 0, sequence, cancellationToken).ConfigureAwait(false);
                        long now = time.GetTimestamp();
                        Interlocked.Decrement(ref inFlight);
                        if (index is { } i)
                        {
                            committed(site, i, now);
                            Interlocked.Increment(ref ok);
                            Max(ref last[site], i);
                            lock (commitTicks)
                            {
                                commitTicks.Add(now - began);
                            }
                        }
                        else
                        {
                            Interlocked.Increment(ref failed);
                        }
                    },
                    cancellationToken));
            }

            if (issued < total)
            {
                await Task.Delay(PacerTick, time, cancellationToken).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        return new LoadResult(ok, failed, skipped, time.GetElapsedTime(start).TotalSeconds, last, commitTicks);
    }

    private static void Max(ref ulong location, ulong value)
    {
        ulong seen = Volatile.Read(ref location);
        while (value > seen)
        {
            ulong found = Interlocked.CompareExchange(ref location, value, seen);
            if (found == seen)
            {
                return;
            }

            seen = found;
        }
    }
}
