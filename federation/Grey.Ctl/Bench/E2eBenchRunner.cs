using System.Diagnostics;
using System.Globalization;
using Grey.Ctl.Brokers;
using Grey.Ctl.EdgeHarness;
using Grey.Region.Daemon.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Grey.Ctl.Bench;

/// <summary>
/// Runs <c>greyctl bench e2e</c> in one process: raw JetStream, then the region and the sites, a warm-up, the client's
/// own ceiling, the backlog fill (shipping held) and its drain (the pipeline), the maximum end to end, and half of it.
/// Progress lines go to <paramref name="progress"/>. Throws <see cref="BenchFailedException"/> when a phase cannot run.
/// </summary>
internal sealed class E2eBenchRunner(E2eBenchOptions options, TimeProvider time, TextWriter progress)
{
    /// <summary>The region every bench site belongs to.</summary>
    public const string Region = "bench";

    /// <summary>How often the drain waits look at the merged indexes.</summary>
    private static readonly TimeSpan WatchPoll = TimeSpan.FromMilliseconds(1);

    /// <summary>Backlog fills and drains of one second each before the measured phases (JIT warm-up).</summary>
    /// <remarks>
    /// Six: the per-delta code (encode, sign, decode, verify, merge) runs a few times per drain, so with two rounds the
    /// tiered JIT was still compiling it during the measured drain (libclrjit took 12-18% of the drain's samples).
    /// </remarks>
    private const int WarmUpDrains = 6;

    private readonly MergeWatch watch = new();
    private readonly RegionTurnClock turns = new();
    private readonly BenchGate gate = new();
    private readonly BenchValues values = new(256);

    public async Task<E2eBenchReport> RunAsync(CancellationToken cancellationToken)
    {
        string work = Directory.CreateTempSubdirectory("greyctl-bench-e2e-").FullName;
        NatsServer? server = null;
        RegionDaemon? region = null;
        var sites = new List<BenchSite>();
        using var meter = new NatsWireMeter();
        try
        {
            string url;
            if (options.NatsUrl is { } external)
            {
                url = external;
            }
            else
            {
                (server, string error) = await NatsServer.StartAsync(Path.Combine(work, "nats"), cancellationToken: cancellationToken).ConfigureAwait(false);
                url = server?.Url ?? throw new BenchFailedException("cannot start nats-server: " + error);
                Say($"nats-server on {url}");
            }

            var cpu = new CpuClock(server?.StoreDirectory);
            TimeSpan rawCpuBefore = cpu.Now();
            var raw = await JetStreamRawBench.RunAsync(url, options.Duration, meter, time, cancellationToken).ConfigureAwait(false);
            double rawCpuUs = raw.Messages == 0 || !cpu.HasBroker ? double.NaN : (cpu.Now() - rawCpuBefore).TotalMicroseconds / raw.Messages;
            Say($"raw JetStream: {raw.MsgsPerSecond:F0} msgs/s ({raw.Messages} stored)");

            region = await BenchRegion.StartAsync(Region, url, Path.Combine(work, "region"), watch, turns, time, cancellationToken).ConfigureAwait(false);
            var started = Enumerable.Range(1, options.Sites).Select(i => BenchSite.StartAsync(
                "bench-s" + i.ToString(CultureInfo.InvariantCulture), Region, url, Path.Combine(work, "s" + i.ToString(CultureInfo.InvariantCulture)), gate, i * 1000,
                time, NullLoggerFactory.Instance, cancellationToken)).ToList();
            try
            {
                await Task.WhenAll(started).ConfigureAwait(false);
            }
            finally
            {
                sites.AddRange(started.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            await WarmUpAsync(sites, cancellationToken).ConfigureAwait(false);

            var ceiling = await BenchLoad.ClosedLoopAsync(options.Sites, options.ClientsPerSite, TimeSpan.FromSeconds(1),
                (site, client, seq, _) => NoWrite(site, client, seq), (_, _, _) => { }, time, cancellationToken).ConfigureAwait(false);
            double ceilingRate = ceiling.Committed / ceiling.Seconds;
            Say($"client ceiling (same loop, writer that does nothing): {ceilingRate:F0} writes/s");

            // The pipeline: a committed backlog built with shipping held, then drained.
            gate.Close();
            var fill = await BenchLoad.ClosedLoopAsync(options.Sites, options.ClientsPerSite, options.Duration, Writer(sites), (_, _, _) => { }, time, cancellationToken).ConfigureAwait(false);
            Say($"backlog: {fill.Committed} writes committed through Raft in {fill.Seconds:F1} s ({fill.Committed / fill.Seconds:F0}/s), {fill.Failed} failed, shipping held");
            (long Sent, long Received) wireBefore = (meter.Sent, meter.Received);
            long deltaWireBefore = sites.Sum(s => s.DeltaWireBytes);
            long deltasBefore = sites.Sum(s => s.DeltasShipped);
            turns.Reset();
            using var stopStored = new CancellationTokenSource();
            TimeSpan drainCpuBefore = cpu.Now();
            var gcBefore = (Gen0: GC.CollectionCount(0), Gen1: GC.CollectionCount(1), Gen2: GC.CollectionCount(2), Pause: GC.GetTotalPauseDuration(), Allocated: GC.GetTotalAllocatedBytes());
            long drainStart = time.GetTimestamp();
            Task<(long First, long Last)> stored = WatchStoredAsync(sites, stopStored.Token);
            gate.Open();
            long drainEnd = await WaitMergedAsync(sites, fill.LastIndex, cancellationToken).ConfigureAwait(false);
            TimeSpan drainCpu = cpu.Now() - drainCpuBefore;
            Say($"drain GC: {GC.CollectionCount(0) - gcBefore.Gen0} gen0, {GC.CollectionCount(1) - gcBefore.Gen1} gen1, {GC.CollectionCount(2) - gcBefore.Gen2} gen2 collections, " +
                $"{(GC.GetTotalPauseDuration() - gcBefore.Pause).TotalMilliseconds:F0} ms paused, {(GC.GetTotalAllocatedBytes() - gcBefore.Allocated) / 1_048_576.0:F0} MiB allocated");
            await stopStored.CancelAsync().ConfigureAwait(false);
            (long firstStored, long lastStored) = await stored.ConfigureAwait(false);
            Say($"drain timeline (ms after the gate opened): deltas stored by the broker {Ms(firstStored - drainStart)}..{Ms(lastStored - drainStart)}; " +
                $"region fetched {turns.Deltas} deltas in {turns.Batches} batches {Ms(turns.FirstFetchTicks - drainStart)}..{Ms(turns.LastFetchTicks - drainStart)}, " +
                $"its turns (verify, merge, flush, to the first ack) took {Ms(turns.TurnTicks)} in all; last ack {Ms(drainEnd - drainStart)}");
            double drainSeconds = Seconds(drainEnd - drainStart);
            (long Sent, long Received) wireAfter = (meter.Sent, meter.Received);
            long deltaWire = sites.Sum(s => s.DeltaWireBytes) - deltaWireBefore;
            long deltas = sites.Sum(s => s.DeltasShipped) - deltasBefore;
            double bytes = (wireAfter.Sent - wireBefore.Sent) + (wireAfter.Received - wireBefore.Received);
            Say($"pipeline: {fill.Committed} writes merged in {drainSeconds:F2} s ({fill.Committed / drainSeconds:F0}/s) in {deltas} deltas");

            // End to end at the maximum.
            watch.StartRecording();
            TimeSpan cpuBefore = ProcessCpuTime();
            long maxStart = time.GetTimestamp();
            var max = await BenchLoad.ClosedLoopAsync(options.Sites, options.ClientsPerSite, options.Duration, Writer(sites), Committed, time, cancellationToken).ConfigureAwait(false);
            long maxEnd = await WaitMergedAsync(sites, max.LastIndex, cancellationToken).ConfigureAwait(false);
            double cores = (ProcessCpuTime() - cpuBefore).TotalSeconds / Seconds(time.GetTimestamp() - maxStart);
            LatencyStats maxLatency = LatencyStats.FromTicks(watch.StopRecording(), time.TimestampFrequency);
            double e2e = max.Committed / Seconds(maxEnd - maxStart);
            Say($"end to end, maximum: {e2e:F0} writes/s merged ({max.Committed} writes, {max.Failed} failed), commit to merged p50 {maxLatency.P50Ms:F1} ms p99 {maxLatency.P99Ms:F1} ms, process {cores:F2} cores");
            if (max.Committed == 0)
            {
                throw new BenchFailedException("no write committed in the maximum-load run");
            }

            // End to end at half of it.
            double halfRate = e2e / 2;
            watch.StartRecording();
            var half = await BenchLoad.OpenLoopAsync(options.Sites, halfRate, options.Duration, Writer(sites), Committed, time, cancellationToken).ConfigureAwait(false);
            await WaitMergedAsync(sites, half.LastIndex, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<long> halfTicks = watch.StopRecording();
            LatencyStats halfLatency = LatencyStats.FromTicks(halfTicks, time.TimestampFrequency);
            LatencyStats halfCommit = LatencyStats.FromTicks(half.CommitTicks, time.TimestampFrequency);
            Say($"end to end, half load: offered {halfRate:F0}/s, {half.Committed} committed ({half.Failed} failed, {half.Skipped} skipped), commit to merged p50 {halfLatency.P50Ms:F1} ms p99 {halfLatency.P99Ms:F1} ms");

            return new E2eBenchReport
            {
                Sites = options.Sites,
                DurationSeconds = options.Duration.TotalSeconds,
                JetStreamMsgsPerSecond = raw.MsgsPerSecond,
                JetStreamBytesPerMessage = raw.SentBytesPerMessage,
                FillOpsPerSecond = fill.Committed / fill.Seconds,
                PipelineOps = fill.Committed,
                PipelineSeconds = drainSeconds,
                PipelineDeltas = deltas,
                BytesPerOp = fill.Committed == 0 ? 0 : bytes / fill.Committed,
                SentBytesPerOp = fill.Committed == 0 ? 0 : (double)(wireAfter.Sent - wireBefore.Sent) / fill.Committed,
                JetStreamCpuMicrosPerMessage = rawCpuUs,
                PipelineCpuMicrosPerOp = fill.Committed == 0 || !cpu.HasBroker ? double.NaN : drainCpu.TotalMicroseconds / fill.Committed,
                DeltaWireBytesPerOp = fill.Committed == 0 ? 0 : (double)deltaWire / fill.Committed,
                E2eOpsPerSecond = e2e,
                E2eMaxP50Ms = maxLatency.P50Ms,
                E2eMaxP99Ms = maxLatency.P99Ms,
                ProcessCores = cores,
                ClientCeilingOpsPerSecond = ceilingRate,
                HalfOfferedOpsPerSecond = halfRate,
                HalfOpsPerSecond = half.Committed / half.Seconds,
                P50Ms = halfLatency.P50Ms,
                P99Ms = halfLatency.P99Ms,
                HalfCommitP99Ms = halfCommit.P99Ms,
                HalfWrites = half.Committed,
                HalfMergedWrites = halfTicks.Count,
            };
        }
        finally
        {
            gate.Open();
            if (cancellationToken.IsCancellationRequested && server is not null)
            {
                // Stopped (Ctrl-C, SIGTERM): the child process goes first, since the runtime may end this process
                // before 24 nodes have shut down in order.
                await server.DisposeAsync().ConfigureAwait(false);
                server = null;
            }

            foreach (BenchSite site in sites)
            {
                await site.DisposeAsync().ConfigureAwait(false);
            }

            if (region is not null)
            {
                await region.DisposeAsync().ConfigureAwait(false);
            }

            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open is left in the temp folder.
            }
        }
    }

    // The client's cost without a system under it: the same loop, a write that completes at once.
    private static async ValueTask<ulong?> NoWrite(int site, int client, long sequence)
    {
        await Task.Yield();
        return (ulong)(sequence + 1) + (ulong)site + (ulong)client;
    }

    private BenchWrite Writer(List<BenchSite> sites) =>
        (site, client, sequence, cancellationToken) => sites[site].WriteAsync(BenchValues.Key(client, sequence), values.Value(site, client, sequence), cancellationToken);

    private void Committed(int site, ulong index, long ticks) => watch.Committed(SiteId(site), index, ticks);

    private static string SiteId(int site) => "bench-s" + (site + 1).ToString(CultureInfo.InvariantCulture);

    private static TimeSpan ProcessCpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private double Seconds(long ticks) => (double)ticks / time.TimestampFrequency;

    private string Ms(long ticks) => (ticks * 1000.0 / time.TimestampFrequency).ToString("F0", CultureInfo.InvariantCulture);

    // When the broker stored the first and the last delta of the drain (the uplinks' counters, sampled every ms).
    private async Task<(long First, long Last)> WatchStoredAsync(List<BenchSite> sites, CancellationToken cancellationToken)
    {
        long before = sites.Sum(s => s.DeltasStored), seen = before, first = -1, last = -1;
        while (!cancellationToken.IsCancellationRequested)
        {
            long now = sites.Sum(s => s.DeltasStored);
            if (now != seen)
            {
                long at = time.GetTimestamp();
                first = first < 0 ? at : first;
                last = at;
                seen = now;
            }

            try
            {
                await Task.Delay(WatchPoll, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (first, last);
    }

    // Every site elected, enrolled and attested, and one write of each merged; then a short burst so the JIT has
    // compiled the paths the measured phases take.
    private async Task WarmUpAsync(List<BenchSite> sites, CancellationToken cancellationToken)
    {
        long start = time.GetTimestamp();
        while (!sites.All(s => s.Ready))
        {
            if (time.GetElapsedTime(start) > options.SettleTimeout)
            {
                throw new BenchFailedException($"the sites were not all elected and attested within {options.SettleTimeout.TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
        }

        Say($"{sites.Count} sites of {E2eBenchOptions.NodesPerSite} nodes elected and attested in {time.GetElapsedTime(start).TotalSeconds:F1} s");
        var burst = await BenchLoad.ClosedLoopAsync(sites.Count, options.ClientsPerSite, TimeSpan.FromSeconds(1), Writer(sites), (_, _, _) => { }, time, cancellationToken).ConfigureAwait(false);
        if (burst.Committed == 0)
        {
            throw new BenchFailedException("no warm-up write committed");
        }

        await WaitMergedAsync(sites, burst.LastIndex, cancellationToken).ConfigureAwait(false);

        // Once more with shipping held, so the large-delta path (encode, sign, compress, decode, merge) has run
        // before it is measured too: the tiered JIT otherwise optimizes it during the measured drain.
        for (int round = 0; round < WarmUpDrains; round++)
        {
            gate.Close();
            var held = await BenchLoad.ClosedLoopAsync(sites.Count, options.ClientsPerSite, TimeSpan.FromSeconds(1), Writer(sites), (_, _, _) => { }, time, cancellationToken).ConfigureAwait(false);
            gate.Open();
            await WaitMergedAsync(sites, held.LastIndex, cancellationToken).ConfigureAwait(false);
            burst = burst with { Committed = burst.Committed + held.Committed };
        }

        Say($"warm-up: {burst.Committed} writes merged");
    }

    // Waits until every site's merged index reaches its target; returns the tick of the ack that completed it.
    private async Task<long> WaitMergedAsync(List<BenchSite> sites, ulong[] targets, CancellationToken cancellationToken)
    {
        long start = time.GetTimestamp();
        while (true)
        {
            bool done = true;
            for (int i = 0; i < sites.Count; i++)
            {
                done &= watch.MergedIndex(sites[i].Id) >= targets[i];
            }

            if (done)
            {
                return targets.Any(t => t > 0) ? watch.LastMergeTicks : time.GetTimestamp();
            }

            if (time.GetElapsedTime(start) > options.SettleTimeout)
            {
                string behind = string.Join(", ", sites.Select((s, i) => $"{s.Id} {watch.MergedIndex(s.Id)}/{targets[i]}"));
                throw new BenchFailedException($"the region did not merge every write within {options.SettleTimeout.TotalSeconds:0} s: {behind}");
            }

            await Task.Delay(WatchPoll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Say(string line) => progress.WriteLine("bench e2e: " + line);
}
