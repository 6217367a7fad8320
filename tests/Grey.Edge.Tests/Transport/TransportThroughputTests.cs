using System.Diagnostics;
using Grey.Edge.Transport;
using Grey.Edge.Transport.Security;
using Grey.Raft;
using Xunit.Abstractions;
using static Grey.Edge.Tests.Transport.TransportTestKit;

namespace Grey.Edge.Tests.Transport;

/// <summary>
/// Measures messages/s and MB/s one way between two transports on loopback, with and without TLS. It prints
/// the numbers (docs/TRANSPORT.md records them) and asserts only that every message arrived intact in order.
/// GREY_TRANSPORT_BENCH_SECONDS sets the sending time per case (default 1).
/// </summary>
public sealed class TransportThroughputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false, 128)]
    [InlineData(false, 16 * 1024)]
    [InlineData(true, 128)]
    [InlineData(true, 16 * 1024)]
    public async Task Throughput_TwoTransportsOnLoopback_PrintsRates(bool tls, int entryBytes)
    {
        var seconds = double.TryParse(Environment.GetEnvironmentVariable("GREY_TRANSPORT_BENCH_SECONDS"), out var s) ? s : 1.0;
        using var ca = new TestCa("bench CA");
        var site = await StartSiteAsync(2, (id, o) => tls
            ? o with { Insecure = false, Security = new TransportSecurity(ca.Issue(id), ca.Certificate) }
            : o);
        try
        {
            var payload = new byte[entryBytes];
            var sent = 0L;
            var received = 0L;
            var receivedBytes = 0L;
            var receiver = Task.Run(async () =>
            {
                var expected = 1UL;
                await foreach (var m in site[1].Incoming.ReadAllAsync())
                {
                    // Messages must arrive complete and in order; a gap or a duplicate fails the run.
                    Assert.Equal(expected, m.Index);
                    Assert.Equal(entryBytes, m.Entries[0].Data.Length);
                    expected++;
                    receivedBytes += m.Entries[0].Data.Length;
                    if (Interlocked.Increment(ref received) == Volatile.Read(ref sent) && sendingDone)
                    {
                        return;
                    }
                }
            });

            var watch = Stopwatch.StartNew();
            var deadline = TimeSpan.FromSeconds(seconds);
            while (watch.Elapsed < deadline)
            {
                // Pace on the queue: this measures the transport, not its drop path.
                if (site[0].QueuedCount(2) >= 1000)
                {
                    await Task.Yield();
                    continue;
                }

                var index = (ulong)Volatile.Read(ref sent) + 1;
                var m = new Message
                {
                    Type = MessageType.Append, From = 1, To = 2, Term = 1, Index = index, LogTerm = 1, Commit = index,
                    Entries = [new Entry(1, index + 1, EntryKind.Data, payload)],
                };
                Assert.Equal(SendResult.Queued, site[0].Send(m));
                Interlocked.Increment(ref sent);
            }

            sendingDone = true;
            var total = Volatile.Read(ref sent);
            await WaitUntilAsync(() => Volatile.Read(ref received) >= total, "every message received", 30_000);
            watch.Stop();
            var elapsed = watch.Elapsed.TotalSeconds;
            output.WriteLine(
                $"{(tls ? "mTLS" : "plaintext")} entry={entryBytes} B: {total} messages in {elapsed:F2} s = {total / elapsed:F0} msg/s, "
                + $"{receivedBytes / elapsed / 1e6:F1} MB/s of entry data, {site[0].Metrics.BytesSent / elapsed / 1e6:F1} MB/s of frames");
            Assert.Equal(total, received);
            Assert.Equal(0, site[0].Metrics.Drops);
        }
        finally
        {
            await TcpPeerTransportTests.DisposeAllAsync(site);
        }
    }

    private volatile bool sendingDone;
}
