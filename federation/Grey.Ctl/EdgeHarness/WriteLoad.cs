using System.Diagnostics;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// A closed-loop load: <c>clients</c> concurrent loops, each issuing its next write as soon as the previous
/// one returns, for a warm-up (not measured) and then a measured duration. Latency is taken with the
/// injected clock around each write; a write that throws or returns false counts as an error.
/// </summary>
internal static class WriteLoad
{
    /// <summary>The most latencies kept per client, so a long run cannot exhaust memory (about 8 MB per client).</summary>
    public const int MaxSamplesPerClient = 1_000_000;

    /// <summary>The function that performs write <c>sequence</c> of client <c>client</c>; false when it failed.</summary>
    public delegate Task<bool> Write(int client, long sequence, CancellationToken cancellationToken);

    /// <summary>Reads the CPU time the servers under test have used so far (all their processes together).</summary>
    public delegate TimeSpan CpuSampler();

    public static async Task<LoadResult> RunAsync(int clients, TimeSpan warmUp, TimeSpan duration, Write write, TimeProvider time, CancellationToken cancellationToken, CpuSampler? serverCpu = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clients);
        ArgumentNullException.ThrowIfNull(write);
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "the duration must be positive");
        }

        var samples = new List<long>[clients];
        long completed = 0;
        long errors = 0;
        string? firstError = null;
        long measureFrom = 0;
        long measureUntil = long.MaxValue;
        int measuring = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task ClientAsync(int client)
        {
            var mine = samples[client] = new List<long>(4096);
            long sequence = 0;
            while (!stop.IsCancellationRequested)
            {
                long start = time.GetTimestamp();
                bool ok;
                try
                {
                    ok = await write(client, sequence++, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    if (stop.IsCancellationRequested)
                    {
                        // A client library may wrap the cancellation at the end of the run (gRPC's Cancelled status).
                        return;
                    }

                    ok = false;
                    Interlocked.CompareExchange(ref firstError, e.GetType().Name + ": " + e.Message, null);
                }

                long end = time.GetTimestamp();
                if (Volatile.Read(ref measuring) == 0 || start < Volatile.Read(ref measureFrom) || end > Volatile.Read(ref measureUntil))
                {
                    continue;
                }

                if (ok)
                {
                    Interlocked.Increment(ref completed);
                    if (mine.Count < MaxSamplesPerClient)
                    {
                        mine.Add(end - start);
                    }
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }

        Task[] loops = Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c))).ToArray();
        if (warmUp > TimeSpan.Zero)
        {
            await Task.Delay(warmUp, time, cancellationToken).ConfigureAwait(false);
        }

        using var self = Process.GetCurrentProcess();
        self.Refresh();
        TimeSpan cpuStart = self.TotalProcessorTime;
        TimeSpan serverStart = serverCpu?.Invoke() ?? TimeSpan.Zero;
        Volatile.Write(ref measureFrom, time.GetTimestamp());
        Volatile.Write(ref measuring, 1);
        await Task.Delay(duration, time, cancellationToken).ConfigureAwait(false);
        long until = time.GetTimestamp();
        Volatile.Write(ref measureUntil, until);
        self.Refresh();
        TimeSpan cpu = self.TotalProcessorTime - cpuStart;
        TimeSpan server = (serverCpu?.Invoke() ?? TimeSpan.Zero) - serverStart;
        TimeSpan wall = time.GetElapsedTime(measureFrom, until);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);
        var stats = LatencyStats.FromTicks(samples.Where(s => s is not null).SelectMany(s => s), time.TimestampFrequency);
        return new LoadResult(Interlocked.Read(ref completed), Interlocked.Read(ref errors), stats, wall, cpu, firstError) { ServerCpu = server };
    }
}
