using System.Diagnostics;
using System.Globalization;
using Grey.Edge.Storage.Files;
using Grey.Edge.Storage.Wal;
using Grey.Raft;
using Microsoft.Win32.SafeHandles;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Storage.Wal;

/// <summary>
/// Measures, on this machine's real disk, the latency of one fsync and the appends per second of the WAL
/// with one sequential writer and with 64 concurrent writers (group commit). It prints the numbers (see
/// docs/STORAGE.md for how to run it) and asserts only correctness: every acknowledged append is found
/// after reopening, and group commit used fewer fsyncs than appends. Timings are never asserted.
/// </summary>
public sealed class WalThroughputBenchmarkTests(ITestOutputHelper output)
{
    private const int PayloadBytes = 256;

    [Fact]
    public async Task Benchmark_RealDisk_PrintsFsyncLatencyAndAppendRates()
    {
        var root = Path.Combine(Path.GetTempPath(), "grey-wal-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            FsyncLatency(Path.Combine(root, "fsync.bin"), 200);

            var dir = Path.Combine(root, "wal");
            var options = new WalOptions();
            var time = TimeProvider.System;
            ulong next = 1;
            await using (var wal = WriteAheadLog.Open(PhysicalFileSystem.Instance, dir, options, time, out _))
            {
                // One writer, each append awaited before the next: one fsync per append.
                const int sequential = 300;
                var sw = Stopwatch.StartNew();
                var fsyncs = wal.FsyncCount;
                var fsyncTime = wal.FsyncTime;
                for (var i = 0; i < sequential; i++)
                {
                    await wal.AppendAsync([Entry(next++)], null);
                }

                sw.Stop();
                Print("sequential (1 writer)", sequential, sw.Elapsed, wal.FsyncCount - fsyncs, wal.FsyncTime - fsyncTime);

                // 64 writers at once: appends that arrive during an fsync share the next one.
                const int writers = 64;
                const int perWriter = 40;
                var gate = new Lock();
                fsyncs = wal.FsyncCount;
                fsyncTime = wal.FsyncTime;
                sw.Restart();
                await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
                {
                    for (var i = 0; i < perWriter; i++)
                    {
                        await wal.AcquireSlotAsync(CancellationToken.None);
                        Task durable;
                        lock (gate)
                        {
                            durable = wal.EnqueueAppend([Entry(next++)], null, sync: true);
                        }

                        await durable;
                    }
                })));
                sw.Stop();
                var groupFsyncs = wal.FsyncCount - fsyncs;
                Print($"group commit ({writers} writers)", writers * perWriter, sw.Elapsed, groupFsyncs, wal.FsyncTime - fsyncTime);
                Assert.True(groupFsyncs < writers * perWriter, $"{writers * perWriter} concurrent appends took {groupFsyncs} fsyncs");
            }

            await using var reopened = WriteAheadLog.Open(PhysicalFileSystem.Instance, dir, options, time, out var state);
            Assert.Equal(next - 1, (ulong)state.Entries.Count);
            for (var i = 0; i < state.Entries.Count; i++)
            {
                Assert.Equal((ulong)i + 1, state.Entries[i].Index);
                Assert.Equal(PayloadBytes, state.Entries[i].Data.Length);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static Entry Entry(ulong index) => new(1, index, EntryKind.Data, new byte[PayloadBytes]);

    private void FsyncLatency(string path, int count)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        var block = new byte[PayloadBytes + 26];
        var samples = new double[count];
        long offset = 0;
        for (var i = 0; i < count; i++)
        {
            RandomAccess.Write(handle, block, offset);
            offset += block.Length;
            var sw = Stopwatch.StartNew();
            RandomAccess.FlushToDisk(handle);
            samples[i] = sw.Elapsed.TotalMilliseconds;
        }

        Array.Sort(samples);
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"fsync latency ({count} x append {block.Length} B + FlushToDisk): p50 {samples[count / 2]:F3} ms, p99 {samples[(count * 99) / 100]:F3} ms, mean {samples.Average():F3} ms");
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    private void Print(string label, int appends, TimeSpan elapsed, long fsyncs, TimeSpan inFsync)
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{label}: {appends} appends of {PayloadBytes} B in {elapsed.TotalMilliseconds:F0} ms = {appends / elapsed.TotalSeconds:F0} appends/s, {fsyncs} fsyncs ({(double)appends / Math.Max(1, fsyncs):F1} appends per fsync), mean time inside fsync {inFsync.TotalMilliseconds / Math.Max(1, fsyncs):F3} ms, load average {LoadAverage()}");
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
