using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Grey.Ctl.Bench;

/// <summary>
/// The yardstick: raw JetStream publish throughput of 256-byte messages from one NATS.Net connection, with many
/// publishes in flight (<see cref="NatsJSContext.PublishConcurrentAsync{T}"/>, each counted when the server's
/// PubAck says it stored it), into a file-backed stream like the region's. Its own stream, deleted afterwards.
/// </summary>
internal static class JetStreamRawBench
{
    /// <summary>Publishes awaiting their PubAck at once.</summary>
    public const int MaxInFlight = 1024;

    /// <summary>The raw stream's size bound (older messages are discarded past it, so a long run never stalls).</summary>
    public const long StreamMaxBytes = 1L << 30;

    /// <summary>The raw stream and its subject.</summary>
    public const string StreamName = "GREY_BENCH_RAW";

    private const string Subject = "grey-bench.raw";

    /// <summary>
    /// Publishes for <paramref name="duration"/> and returns messages stored per second and the bytes published per
    /// message (<paramref name="meter"/>: run it while no other NATS connection of the process is busy).
    /// </summary>
    public static async Task<(double MsgsPerSecond, long Messages, double SentBytesPerMessage)> RunAsync(string natsUrl, TimeSpan duration, NatsWireMeter meter, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = natsUrl, Name = "greyctl-bench-raw" });
        await connection.ConnectAsync().ConfigureAwait(false);
        var js = new NatsJSContext(connection);
        try
        {
            await js.DeleteStreamAsync(StreamName, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException)
        {
            // Not there: the usual case.
        }

        await js.CreateStreamAsync(
            new StreamConfig(StreamName, [Subject])
            {
                Storage = StreamConfigStorage.File,
                Retention = StreamConfigRetention.Limits,
                Discard = StreamConfigDiscard.Old,
                MaxBytes = StreamMaxBytes,
                NumReplicas = 1,
            },
            cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] payload = new byte[E2eBenchOptions.ValueBytes];
            new Random(256).NextBytes(payload);
            var inFlight = Channel.CreateBounded<NatsJSPublishConcurrentFuture>(new BoundedChannelOptions(MaxInFlight) { SingleReader = true, SingleWriter = true });
            long stored = 0;
            Task acks = Task.Run(
                async () =>
                {
                    await foreach (NatsJSPublishConcurrentFuture future in inFlight.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                    {
                        await using (future.ConfigureAwait(false))
                        {
                            PubAckResponse ack = await future.GetResponseAsync(CancellationToken.None).ConfigureAwait(false);
                            ack.EnsureSuccess();
                            stored++;
                        }
                    }
                },
                CancellationToken.None);
            long before = meter.Sent;
            long start = time.GetTimestamp();
            long published = 0;
            try
            {
                while (time.GetElapsedTime(start) < duration)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    NatsJSPublishConcurrentFuture future = await js.PublishConcurrentAsync(Subject, payload, cancellationToken: cancellationToken).ConfigureAwait(false);
                    await inFlight.Writer.WriteAsync(future, cancellationToken).ConfigureAwait(false);
                    published++;
                }
            }
            finally
            {
                inFlight.Writer.Complete();
            }

            await acks.ConfigureAwait(false);
            double seconds = time.GetElapsedTime(start).TotalSeconds;
            return (stored / seconds, stored, published == 0 ? 0 : (double)(meter.Sent - before) / published);
        }
        finally
        {
            try
            {
                await js.DeleteStreamAsync(StreamName, CancellationToken.None).ConfigureAwait(false);
            }
            catch (NatsJSApiException)
            {
                // Best effort: the stream is bounded anyway.
            }
        }
    }
}
